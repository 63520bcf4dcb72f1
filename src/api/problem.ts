import type { Request, Response } from 'express';

/** One entry of a validation problem's `errors` list. */
export interface FieldError {
  /** Where the field is: the JSON body, the query string or the path. */
  location: 'body' | 'query' | 'params' | 'header';
  /** Dotted name of the field, e.g. `role` or `items.0.name`; empty for the whole body. */
  field: string;
  /** JSON Pointer to the field within its location, per RFC 9457's examples. */
  pointer: string;
  detail: string;
}

/** RFC 9457 problem details. */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  errors?: FieldError[];
  [extension: string]: unknown;
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

const TYPE_BASE = 'https://switchboard.invalid/problems/';

/** Problem type slugs; each becomes `https://switchboard.invalid/problems/<slug>` (a stable identifier, not a page). */
export const PROBLEM_TYPES: Record<number, string> = {
  400: 'bad-request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not-found',
  405: 'method-not-allowed',
  409: 'conflict',
  413: 'content-too-large',
  415: 'unsupported-media-type',
  429: 'too-many-requests',
  500: 'internal-error',
  503: 'service-unavailable',
};

/** Throw from a handler or middleware; the error handler renders it as problem+json. */
export class HttpProblem extends Error {
  readonly headers: Record<string, string>;
  readonly errors?: FieldError[];
  readonly typeSlug?: string;
  readonly title?: string;

  constructor(
    readonly status: number,
    detail: string,
    options: { errors?: FieldError[]; headers?: Record<string, string>; type?: string; title?: string } = {},
  ) {
    super(detail);
    this.name = 'HttpProblem';
    this.headers = options.headers ?? {};
    this.errors = options.errors;
    this.typeSlug = options.type;
    this.title = options.title;
  }
}

export function problemBody(req: Request, status: number, detail: string, extra: Partial<ProblemDetails> = {}): ProblemDetails {
  const slug = PROBLEM_TYPES[status];
  return {
    type: slug ? TYPE_BASE + slug : 'about:blank',
    title: TITLES[status] ?? 'Error',
    status,
    detail,
    instance: req.originalUrl.split('?')[0],
    ...extra,
  };
}

export function sendProblem(req: Request, res: Response, problem: HttpProblem | { status: number; detail: string }): void {
  const p = problem instanceof HttpProblem ? problem : new HttpProblem(problem.status, problem.detail);
  const extra: Partial<ProblemDetails> = {};
  if (p.errors) extra.errors = p.errors;
  if (p.typeSlug) extra.type = TYPE_BASE + p.typeSlug;
  if (p.title) extra.title = p.title;
  const body = problemBody(req, p.status, p.message, extra);
  for (const [k, v] of Object.entries(p.headers)) res.setHeader(k, v);
  res.status(p.status).type('application/problem+json').send(JSON.stringify(body));
}
