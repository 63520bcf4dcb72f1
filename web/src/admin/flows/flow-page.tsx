import { useEffect, useMemo, useRef, useState } from 'react';
import { ProblemMessage } from '../../components/problem';
import { Field } from '../../components/field';
import { get, post, put } from '../../lib/api';
import { useAction, useResource } from '../../lib/hooks';
import { CodeEditor, type CodeEditorHandle, type LineMark } from './code-editor';
import { DidBindings } from './did-bindings';
import { DryRunPanel } from './dry-run-panel';
import { FlowGraph } from './flow-graph';
import { flowGraph, type FlowGraphModel } from './flow-model';
import { spanOf } from './json-locate';
import { useFlowValidation, type LocatedIssue } from './use-flow-validation';
import type { DryRunResult, FlowValidation, StoredFlow } from './types';
import { pretty, VersionsPanel } from './versions-panel';

type Tab = 'dry-run' | 'versions' | 'dids';

function byNode(issues: LocatedIssue[]): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const i of issues) if (i.node) m.set(i.node, [...(m.get(i.node) ?? []), i.message]);
  return m;
}

/**
 * One flow: the JSON document in a text editor validated as it is typed (errors on their line and on their node in
 * the graph), the graph, and below it dry-run, versions (diff, rollback) and DID bindings. Saving a version is
 * publishing (the store has no drafts: the newest version is live for the next call), so the button says Publish
 * and validates first.
 */
export function FlowPage({ params }: { params: Record<string, string> }) {
  const name = params.name ?? '';
  const base = `/api/v1/ivr/flows/${encodeURIComponent(name)}`;
  const live = useResource((signal) => get<StoredFlow>(base, undefined, signal), [base]);
  const [text, setText] = useState<string | null>(null);
  const [loadedVersion, setLoadedVersion] = useState<number | undefined>(undefined);
  const [comment, setComment] = useState('');
  const [selected, setSelected] = useState<string | undefined>(undefined);
  const [tab, setTab] = useState<Tab>('dry-run');
  const [dryRun, setDryRun] = useState<DryRunResult | null>(null);
  const [status, setStatus] = useState('');
  const [publishIssues, setPublishIssues] = useState<FlowValidation | null>(null);
  const editor = useRef<CodeEditorHandle>(null);

  // The editor starts from the live document; later reloads (another admin publishing) do not overwrite edits.
  useEffect(() => {
    if (live.data && text === null) {
      setText(pretty(live.data.document));
      setLoadedVersion(live.data.version);
    }
  }, [live.data, text]);

  const current = text ?? '';
  const check = useFlowValidation(current, name);
  const livePretty = live.data ? pretty(live.data.document) : '';
  const dirty = text !== null && current !== livePretty;
  const draft = check.parsed.ok && typeof check.parsed.value === 'object' && check.parsed.value !== null && !Array.isArray(check.parsed.value) ? (check.parsed.value as Record<string, unknown>) : undefined;

  // The graph follows the last text that parsed, so a half-typed line does not blank it.
  const lastModel = useRef<FlowGraphModel>({ start: undefined, nodes: [], edges: [] });
  const model = useMemo(() => {
    if (check.parsed.ok) lastModel.current = flowGraph(check.parsed.value);
    return lastModel.current;
  }, [check.parsed]);

  const errorsByNode = useMemo(() => byNode(check.errors), [check.errors]);
  const warningsByNode = useMemo(() => byNode(check.warnings), [check.warnings]);
  const marks = useMemo(() => {
    const m = new Map<number, LineMark>();
    for (const w of check.warnings) if (w.line) m.set(w.line, 'warning');
    for (const e of check.errors) if (e.line) m.set(e.line, 'error');
    return m;
  }, [check.errors, check.warnings]);
  const visited = useMemo(() => new Set((dryRun?.path ?? []).filter((s) => s.flow === name).map((s) => s.node)), [dryRun, name]);

  const selectNode = (id: string) => {
    setSelected(id);
    if (!check.parsed.ok) return;
    const span = check.parsed.spans.get(`nodes.${id}`) ?? spanOf(check.parsed.spans, `nodes.${id}`);
    if (span) editor.current?.select(span.start, span.end);
  };
  const showIssue = (i: LocatedIssue) => {
    if (i.node) setSelected(i.node);
    if (i.start !== undefined) editor.current?.select(i.start, i.end ?? i.start + 1);
  };

  const publish = useAction(async () => {
    setStatus('');
    setPublishIssues(null);
    if (!draft) throw new Error(check.errors[0]?.message ?? 'the document is not valid JSON');
    // Validate first: a publish with errors is refused here, with the errors shown at their nodes.
    const v = await post<FlowValidation>('/api/v1/ivr/flows/validate', { document: draft, name });
    if (!v.valid) {
      setPublishIssues(v);
      throw new Error(`not published: ${v.errors.length} error${v.errors.length > 1 ? 's' : ''} to fix first`);
    }
    const saved = await put<StoredFlow>(base, { document: draft, ...(comment.trim() ? { comment: comment.trim() } : {}) });
    setText(pretty(saved.document));
    setLoadedVersion(saved.version);
    setComment('');
    setStatus(`Published version ${saved.version}: it is live for the next call.`);
    live.reload();
  });

  if (live.error) {
    return (
      <div>
        <h1>Flow {name}</h1>
        <ProblemMessage error={live.error} />
        <a href="#/admin/flows">All flows</a>
      </div>
    );
  }
  const errorCount = check.errors.length;
  return (
    <div className="flow-page">
      <div className="row flow-head">
        <h1>
          Flow <code>{name}</code>
        </h1>
        <span className="muted">
          live version {live.data?.version ?? '…'}
          {loadedVersion !== undefined && live.data && loadedVersion !== live.data.version && ` (you started from version ${loadedVersion})`}
        </span>
        {dirty && <span className="pill warn">unpublished changes</span>}
        <span className="spacer" />
        <a href="#/admin/flows">All flows</a>
      </div>
      <div className="flow-work">
        <section className="panel" aria-labelledby="doc-title">
          <h2 id="doc-title">Document</h2>
          <Field label="Flow document (JSON)">
            {(id) => <CodeEditor ref={editor} id={id} value={current} onChange={(v) => (setText(v), setStatus(''))} marks={marks} invalid={errorCount > 0} describedBy="flow-problems" rows={22} />}
          </Field>
          <div className="row form-row">
            <Field label="Comment" hint="kept with the version">
              {(id, d) => <input id={id} aria-describedby={d} value={comment} onChange={(e) => setComment(e.target.value)} maxLength={512} />}
            </Field>
            <button type="button" className="primary" disabled={publish.busy || !dirty || errorCount > 0 || check.checking} onClick={() => void publish.run()}>
              Publish
            </button>
            <button type="button" disabled={!dirty} onClick={() => live.data && setText(pretty(live.data.document))}>
              Discard changes
            </button>
          </div>
          <ProblemMessage error={publish.error} onDismiss={publish.clear} />
          {publishIssues && <p className="error">The server found errors; they are listed below and on the graph.</p>}
          <p role="status" aria-live="polite" className="success-text">
            {status}
          </p>
        </section>
        <div>
          <section className="panel" aria-labelledby="graph-title">
            <h2 id="graph-title">Graph</h2>
            <FlowGraph model={model} errors={errorsByNode} warnings={warningsByNode} visited={visited} selected={selected} onSelect={selectNode} />
            <div id="flow-problems" aria-live="polite" className="flow-problems">
              <h3>
                Problems{' '}
                <span className="muted">
                  {check.checking ? '(checking…)' : errorCount ? `(${errorCount} error${errorCount > 1 ? 's' : ''})` : check.warnings.length ? '' : '(none: the flow is valid)'}
                </span>
              </h3>
              <ProblemMessage error={check.failure} />
              <IssueList issues={check.errors} kind="error" onShow={showIssue} />
              <IssueList issues={check.warnings} kind="warning" onShow={showIssue} />
            </div>
          </section>
        <section className="panel">
          <div className="tabs" role="tablist" aria-label="Flow tools">
            {(
              [
                ['dry-run', 'Dry run'],
                ['versions', 'Versions'],
                ['dids', 'DID bindings'],
              ] as const
            ).map(([t, label]) => (
              <button key={t} type="button" role="tab" id={`tab-${t}`} aria-selected={tab === t} aria-controls={`panel-${t}`} onClick={() => setTab(t)}>
                {label}
              </button>
            ))}
          </div>
          <div role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`}>
            {tab === 'dry-run' && <DryRunPanel name={name} draft={dirty ? draft : undefined} onResult={setDryRun} />}
            {tab === 'versions' && (
              <VersionsPanel
                name={name}
                liveVersion={live.data?.version}
                onRolledBack={(f) => {
                  setText(pretty(f.document));
                  setLoadedVersion(f.version);
                  live.reload();
                }}
              />
            )}
            {tab === 'dids' && <DidBindings flow={name} flows={[name]} />}
          </div>
        </section>
        </div>
      </div>
    </div>
  );
}

function IssueList({ issues, kind, onShow }: { issues: LocatedIssue[]; kind: 'error' | 'warning'; onShow: (i: LocatedIssue) => void }) {
  if (!issues.length) return null;
  return (
    <ul className={`issues ${kind}`} aria-label={kind === 'error' ? 'Errors' : 'Warnings'}>
      {issues.map((i, k) => (
        <li key={k} data-node={i.node}>
          <button type="button" className="link" onClick={() => onShow(i)} disabled={i.start === undefined}>
            {i.line ? `line ${i.line}` : 'document'}
          </button>{' '}
          {i.node && (
            <>
              node <code>{i.node}</code>
            </>
          )}{' '}
          {i.path && <code className="muted">{i.path}</code>} — {kind === 'warning' ? 'warning: ' : ''}
          {i.message}
        </li>
      ))}
    </ul>
  );
}
