/**
 * Ticket categories (admins change them; supervisors see them): the tree with each category's SLA minutes per
 * priority (its own, or inherited from the nearest ancestor, shown as such), create, edit (name, parent, SLA) and
 * deactivate / reactivate. A deactivated category stays on its tickets; new tickets cannot use it.
 */
import { useState, type FormEvent } from 'react';
import { Field } from '../components/field';
import { ProblemMessage } from '../components/problem';
import { get, patch, post } from '../lib/api';
import { useAction, useResource } from '../lib/hooks';
import { useSession } from '../lib/session';
import { categoryTree, effectiveSla, minutesText } from './categories';
import { TICKET_PRIORITIES, type Category } from './types';

export function TicketCategoriesPage() {
  const { user } = useSession();
  const isAdmin = user.role === 'admin';
  const list = useResource((s) => get<{ items: Category[] }>('/api/v1/tickets/categories', undefined, s), []);
  const [editing, setEditing] = useState<Category | 'new' | null>(null);
  const toggle = useAction(async (c: Category) => {
    await patch(`/api/v1/tickets/categories/${c.id}`, { active: !c.active });
    list.reload();
  });
  const items = list.data?.items ?? [];
  const tree = categoryTree(items);

  return (
    <div>
      <div className="row">
        <h1>Ticket categories</h1>
        <span className="spacer" />
        {isAdmin && (
          <button type="button" className="primary" onClick={() => setEditing('new')}>
            New category
          </button>
        )}
      </div>
      <p className="muted">
        The SLA gives a ticket its due time: creation time plus the minutes of its category and priority, in calendar minutes. A priority a category leaves blank is
        inherited from the nearest parent that sets it; none at all means no due time. A change applies to tickets created or re-categorised afterwards.
        {!isAdmin && ' Only admins change categories.'}
      </p>
      <ProblemMessage error={list.error ?? toggle.error} onDismiss={toggle.error ? toggle.clear : undefined} />
      {editing && isAdmin && (
        <CategoryForm
          key={editing === 'new' ? 'new' : editing.id}
          category={editing === 'new' ? null : editing}
          items={items}
          onSaved={() => {
            setEditing(null);
            list.reload();
          }}
          onCancel={() => setEditing(null)}
        />
      )}
      <section className="panel">
        <div className="table-wrap">
          <table className="data" data-testid="categories-table">
            <thead>
              <tr>
                <th scope="col">Category</th>
                {TICKET_PRIORITIES.map((p) => (
                  <th key={p} scope="col" className="num">
                    SLA {p}
                  </th>
                ))}
                <th scope="col">State</th>
                {isAdmin && <th scope="col">Actions</th>}
              </tr>
            </thead>
            <tbody>
              {tree.length === 0 ? (
                <tr>
                  <td colSpan={7} className="empty">
                    {list.data ? 'No category yet.' : 'Loading…'}
                  </td>
                </tr>
              ) : (
                tree.map(({ category: c, depth }) => (
                  <tr key={c.id} data-testid={`category-${c.id}`}>
                    <td style={{ paddingLeft: `${0.5 + depth * 1.2}rem` }}>{c.name}</td>
                    {TICKET_PRIORITIES.map((p) => {
                      const own = c.sla[p];
                      const eff = own === undefined ? effectiveSla(items, c.id, p) : null;
                      return (
                        <td key={p} className="num" data-testid={`sla-${c.id}-${p}`}>
                          {own !== undefined ? minutesText(own) : eff ? <span className="muted" title={`inherited from ${eff.from.name}`}>{minutesText(eff.minutes)} (inherited)</span> : <span className="muted">none</span>}
                        </td>
                      );
                    })}
                    <td>{c.active ? <span className="pill ok">active</span> : <span className="pill">inactive</span>}</td>
                    {isAdmin && (
                      <td>
                        <div className="row">
                          <button type="button" onClick={() => setEditing(c)} aria-label={`Edit ${c.name}`}>
                            Edit
                          </button>
                          <button type="button" disabled={toggle.busy} onClick={() => void toggle.run(c)} aria-label={`${c.active ? 'Deactivate' : 'Reactivate'} ${c.name}`}>
                            {c.active ? 'Deactivate' : 'Reactivate'}
                          </button>
                        </div>
                      </td>
                    )}
                  </tr>
                ))
              )}
            </tbody>
          </table>
        </div>
      </section>
    </div>
  );
}

function CategoryForm({ category, items, onSaved, onCancel }: { category: Category | null; items: Category[]; onSaved: () => void; onCancel: () => void }) {
  const [name, setName] = useState(category?.name ?? '');
  const [parentId, setParentId] = useState(category?.parent_id === null || !category ? '' : String(category.parent_id));
  const [sla, setSla] = useState<Record<string, string>>(() => Object.fromEntries(TICKET_PRIORITIES.map((p) => [p, category?.sla[p] === undefined ? '' : String(category.sla[p])])));
  const save = useAction(async () => {
    const body = {
      name: name.trim(),
      parent_id: parentId ? Number(parentId) : null,
      sla: Object.fromEntries(Object.entries(sla).filter(([, v]) => v.trim() !== '').map(([k, v]) => [k, Number(v)])),
    };
    if (category) await patch(`/api/v1/tickets/categories/${category.id}`, body);
    else await post('/api/v1/tickets/categories', body);
    onSaved();
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void save.run();
  };
  // A category cannot move under itself or its own descendants (the API refuses it too).
  const below = new Set<number>();
  if (category) {
    below.add(category.id);
    for (let grew = true; grew; ) {
      grew = false;
      for (const c of items) if (c.parent_id !== null && below.has(c.parent_id) && !below.has(c.id)) (below.add(c.id), (grew = true));
    }
  }
  const err = save.error;
  const fe = (f: string) => err?.fieldErrors().find((x) => x.field === f || x.field?.startsWith(`${f}.`))?.detail;
  return (
    <form className="panel" onSubmit={submit} aria-label={category ? `Edit category ${category.name}` : 'New category'}>
      <h2>{category ? `Edit ${category.name}` : 'New category'}</h2>
      <div className="form-grid">
        <Field label="Name" error={fe('name')}>
          {(id) => <input id={id} value={name} onChange={(e) => setName(e.target.value)} required maxLength={128} />}
        </Field>
        <Field label="Parent" error={fe('parent_id')}>
          {(id) => (
            <select id={id} value={parentId} onChange={(e) => setParentId(e.target.value)}>
              <option value="">None (top level)</option>
              {categoryTree(items)
                .filter((n) => !below.has(n.category.id))
                .map((n) => (
                  <option key={n.category.id} value={n.category.id}>
                    {n.path}
                  </option>
                ))}
            </select>
          )}
        </Field>
      </div>
      <fieldset>
        <legend>SLA minutes per priority (blank: inherit from the parent)</legend>
        <div className="form-grid">
          {TICKET_PRIORITIES.map((p) => (
            <Field key={p} label={`SLA ${p} (minutes)`} error={fe(`sla.${p}`)}>
              {(id) => <input id={id} type="number" step={1} value={sla[p]} onChange={(e) => setSla((s) => ({ ...s, [p]: e.target.value }))} />}
            </Field>
          ))}
        </div>
      </fieldset>
      <ProblemMessage error={err} onDismiss={save.clear} />
      <div className="row">
        <button type="submit" className="primary" disabled={save.busy}>
          {category ? 'Save category' : 'Create category'}
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
