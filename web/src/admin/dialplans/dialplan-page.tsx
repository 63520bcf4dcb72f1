import { useEffect, useMemo, useRef, useState } from 'react';
import { Field } from '../../components/field';
import { ProblemMessage } from '../../components/problem';
import { get, put } from '../../lib/api';
import { useAction, useResource } from '../../lib/hooks';
import { CodeEditor, type CodeEditorHandle, type LineMark } from '../flows/code-editor';
import { ApplyPanel } from './apply-panel';
import { DialplanVersions } from './dialplan-versions';
import type { DialplanContext, DialplanIssue, DialplanVersionFull } from './types';
import { lineRange, useDialplanValidation } from './use-dialplan-validation';

/**
 * One dialplan context: the XML validated as it is typed (errors on their line, with extension and condition),
 * saved as a new version (base_version guards against overwriting someone else's save), versions with diff and
 * rollback, and apply to all nodes.
 */
export function DialplanPage({ params }: { params: Record<string, string> }) {
  const context = params.context ?? '';
  const base = `/api/v1/dialplans/${encodeURIComponent(context)}`;
  const current = useResource((signal) => get<DialplanContext>(base, undefined, signal), [base]);
  const [xml, setXml] = useState<string | null>(null);
  const [baseVersion, setBaseVersion] = useState<number | undefined>(undefined);
  const [comment, setComment] = useState('');
  const [status, setStatus] = useState('');
  const editor = useRef<CodeEditorHandle>(null);

  useEffect(() => {
    if (current.data && xml === null) {
      setXml(current.data.xml);
      setBaseVersion(current.data.version);
    }
  }, [current.data, xml]);

  const text = xml ?? '';
  const check = useDialplanValidation(text, context, xml !== null);
  const errors = check.result?.errors ?? [];
  const dirty = xml !== null && current.data !== undefined && text !== current.data.xml;
  const marks = useMemo(() => new Map<number, LineMark>(errors.filter((e) => e.line).map((e) => [e.line!, 'error'])), [errors]);

  const save = useAction(async () => {
    setStatus('');
    const row = await put<DialplanVersionFull & { changed: boolean }>(base, { xml: text, base_version: baseVersion, ...(comment.trim() ? { comment: comment.trim() } : {}) });
    setXml(row.xml);
    setBaseVersion(row.version);
    setComment('');
    setStatus(row.changed ? `Saved version ${row.version}. Apply it to make it take effect on the nodes.` : 'No change: the XML is the current version.');
    current.reload();
  });

  const show = (e: DialplanIssue) => {
    if (!e.line) return;
    const r = lineRange(text, e.line);
    editor.current?.select(r.start, r.end);
  };

  if (current.error) {
    return (
      <div>
        <h1>Dialplan {context}</h1>
        <ProblemMessage error={current.error} />
        <a href="#/admin/dialplans">All contexts</a>
      </div>
    );
  }
  const valid = check.result?.valid === true && !check.checking;
  return (
    <div>
      <div className="row flow-head">
        <h1>
          Dialplan <code>{context}</code>
        </h1>
        <span className="muted">current version {current.data?.version ?? '…'}</span>
        {dirty && <span className="pill warn">unsaved changes</span>}
        <span className="spacer" />
        <a href="#/admin/dialplans">All contexts</a>
      </div>
      <div className="flow-work">
        <section className="panel" aria-labelledby="xml-title">
          <h2 id="xml-title">XML</h2>
          <Field label="Dialplan XML">
            {(id) => <CodeEditor ref={editor} id={id} value={text} onChange={(v) => (setXml(v), setStatus(''))} marks={marks} invalid={errors.length > 0} describedBy="dialplan-problems" rows={20} />}
          </Field>
          <div className="row form-row">
            <Field label="Comment" hint="why the change was made">
              {(id, d) => <input id={id} aria-describedby={d} value={comment} onChange={(e) => setComment(e.target.value)} maxLength={500} />}
            </Field>
            <button type="button" className="primary" disabled={save.busy || !dirty || !valid} onClick={() => void save.run()}>
              Save version
            </button>
            <button type="button" disabled={!dirty} onClick={() => current.data && setXml(current.data.xml)}>
              Discard changes
            </button>
          </div>
          <ProblemMessage error={save.error} onDismiss={save.clear} />
          <p role="status" aria-live="polite" className="success-text">
            {status}
          </p>
        </section>
        <div>
          <section className="panel" aria-labelledby="dp-problems-title">
            <h2 id="dp-problems-title">Validation</h2>
            <div id="dialplan-problems" aria-live="polite">
              <p className={errors.length ? 'error' : 'success-text'}>
                {check.checking ? 'Checking…' : !check.result ? '' : check.result.valid ? `Valid: ${check.result.extensions.length} extension${check.result.extensions.length === 1 ? '' : 's'}.` : `${errors.length} error${errors.length > 1 ? 's' : ''}:`}
              </p>
              <ProblemMessage error={check.failure} />
              {errors.length > 0 && (
                <ul className="issues error" aria-label="Errors">
                  {errors.map((e, k) => (
                    <li key={k}>
                      <button type="button" className="link" disabled={!e.line} onClick={() => show(e)}>
                        {e.line ? `line ${e.line}` : 'document'}
                      </button>{' '}
                      {e.extension && (
                        <>
                          extension <code>{e.extension}</code>{' '}
                        </>
                      )}
                      {e.condition && <>condition {e.condition} </>}— {e.message}
                    </li>
                  ))}
                </ul>
              )}
              {check.result?.valid && (
                <ul className="muted">
                  {check.result.extensions.map((x, k) => (
                    <li key={k}>
                      <code>{x.name}</code>
                    </li>
                  ))}
                </ul>
              )}
            </div>
          </section>
          <ApplyPanel />
        </div>
      </div>
      <section className="panel" aria-labelledby="dp-versions-title">
        <h2 id="dp-versions-title">Versions</h2>
        <DialplanVersions
          context={context}
          current={current.data?.version}
          onRolledBack={(row) => {
            setXml(row.xml);
            setBaseVersion(row.version);
            current.reload();
          }}
        />
      </section>
    </div>
  );
}
