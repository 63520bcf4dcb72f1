import { lazyPage, type PageDef } from '../pages';

const TicketsPage = lazyPage(() => import('./tickets-page'), 'TicketsPage');
const TicketPage = lazyPage(() => import('./ticket-page'), 'TicketPage');
const TicketCategoriesPage = lazyPage(() => import('./categories-page'), 'TicketCategoriesPage');

/**
 * Tickets: one page for every role (the API scopes what each sees), listed in the agent's navigation for agents and
 * in the supervisor's for supervisors and admins; categories for supervisors (read) and admins (write).
 */
export const ticketPages: PageDef[] = [
  { route: '/tickets', title: 'Tickets', roles: ['agent'], group: 'Agent', component: TicketsPage },
  { route: '/tickets', title: 'Tickets', roles: ['supervisor', 'admin'], group: 'Supervisor', component: TicketsPage },
  { route: '/tickets/:id', title: 'Ticket', roles: ['agent', 'supervisor', 'admin'], group: 'Agent', component: TicketPage, hidden: true },
  { route: '/admin/ticket-categories', title: 'Ticket categories', roles: ['supervisor'], group: 'Supervisor', component: TicketCategoriesPage },
  { route: '/admin/ticket-categories', title: 'Ticket categories', roles: ['admin'], group: 'Admin', component: TicketCategoriesPage },
];
