/** Previous / next over a paged API list (offset + page size), shown only when there is more than one page. */
export function Pager({ offset, page, total, onOffset }: { offset: number; page: number; total: number; onOffset: (offset: number) => void }) {
  if (total <= page) return null;
  return (
    <div className="row">
      <button type="button" disabled={offset === 0} onClick={() => onOffset(Math.max(0, offset - page))}>
        Previous
      </button>
      <span className="muted">
        {offset + 1}–{Math.min(total, offset + page)} of {total}
      </span>
      <button type="button" disabled={offset + page >= total} onClick={() => onOffset(offset + page)}>
        Next
      </button>
    </div>
  );
}
