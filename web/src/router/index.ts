// Routes and the guard: signed-out users go to /login (remembering where they were going),
// signed-in users land on the first page their permissions allow, and a page whose
// permission the user lacks sends them there too.

import { defineComponent } from 'vue';
import { createRouter, createWebHistory, type RouteLocationRaw } from 'vue-router';
import AppShell from '../layouts/AppShell.vue';
import LoginView from '../views/LoginView.vue';
import { ensureLoaded, hasPermission, isAuthenticated, session } from '../session/session';
import { allowedNav, kNavItems } from './nav';

// Placeholder for routes whose beforeEnter always redirects.
const Empty = defineComponent({ render: () => null });

const pageComponents = {
  desktop: () => import('../views/DesktopView.vue'),
  customers: () => import('../views/CustomersView.vue'),
  broadcast: () => import('../views/BroadcastView.vue'),
  users: () => import('../views/UsersView.vue'),
  audit: () => import('../views/AuditView.vue'),
  kb: () => import('../views/KnowledgeView.vue'),
};

export const router = createRouter({
  history: createWebHistory(),
  routes: [
    { path: '/login', name: 'login', component: LoginView, meta: { public: true } },
    {
      path: '/',
      component: AppShell,
      children: [
        // Not a `redirect:` — those run before the guard has loaded the session.
        { path: '', name: 'home', component: Empty, beforeEnter: () => homeRoute() },
        ...kNavItems.map((item) => ({
          path: item.path.slice(1),
          name: item.name,
          component: pageComponents[item.name],
          meta: { permission: item.permission },
        })),
        {
          path: 'no-access',
          name: 'no-access',
          component: () => import('../views/NoAccessView.vue'),
        },
      ],
    },
    { path: '/:pathMatch(.*)*', name: 'unknown', component: Empty, beforeEnter: () => homeRoute() },
  ],
});

/** The first page the signed-in user may open. */
export function homeRoute(): RouteLocationRaw {
  const first = allowedNav(session.permissions)[0];
  return first ? { name: first.name } : { name: 'no-access' };
}

function safeRedirect(value: unknown): string | null {
  // Only same-app paths: never an absolute URL or a protocol-relative "//host".
  if (typeof value !== 'string' || !/^\/(?![/\\])/.test(value)) return null;
  if (value.startsWith('/login')) return null;
  return value;
}

router.beforeEach(async (to) => {
  await ensureLoaded();
  if (to.meta.public) {
    if (to.name === 'login' && isAuthenticated.value) {
      return afterLoginRoute(to.query.redirect);
    }
    return true;
  }
  if (!isAuthenticated.value) {
    const redirect = to.name === 'home' || to.name === 'unknown' ? undefined : to.fullPath;
    return { name: 'login', query: redirect ? { redirect } : {} };
  }
  const permission = to.meta.permission as string | undefined;
  if (permission && !hasPermission(permission)) return homeRoute();
  if (to.name === 'no-access' && allowedNav(session.permissions).length > 0) return homeRoute();
  return true;
});

/** After a successful login: where the user wanted to go, if allowed, else their home page. */
export function afterLoginRoute(redirect: unknown): RouteLocationRaw {
  const target = safeRedirect(redirect);
  if (target) {
    const resolved = router.resolve(target);
    const permission = resolved.meta.permission as string | undefined;
    const landing = resolved.name === 'home' || resolved.name === 'unknown' ||
                    resolved.name === 'no-access';
    if (!landing && (!permission || hasPermission(permission))) return target;
  }
  return homeRoute();
}

declare module 'vue-router' {
  interface RouteMeta {
    public?: boolean;
    permission?: string;
  }
}
