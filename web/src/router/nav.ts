// The pages of the signed-in app and the permission each needs. The side menu and the route
// guard both read this list, so a page is never shown in one and refused by the other.

import type { Component } from 'vue';
import { Avatar, Bell, Document, Monitor, Reading, User } from '@element-plus/icons-vue';
import type { Permission } from '../api/types';

export interface NavItem {
  /** Route name, i18n key `nav.<name>` and test id `nav-<name>`. */
  name: 'desktop' | 'customers' | 'broadcast' | 'users' | 'audit' | 'kb';
  path: string;
  permission: Permission;
  icon: Component;
}

export const kNavItems: readonly NavItem[] = [
  { name: 'desktop', path: '/desktop', permission: 'desktop.use', icon: Monitor },
  { name: 'customers', path: '/customers', permission: 'desktop.use', icon: Avatar },
  { name: 'broadcast', path: '/broadcast', permission: 'broadcast.send', icon: Bell },
  { name: 'users', path: '/users', permission: 'users.read', icon: User },
  { name: 'audit', path: '/audit', permission: 'audit.read', icon: Document },
  { name: 'kb', path: '/kb', permission: 'kb.read', icon: Reading },
];

export function allowedNav(permissions: readonly Permission[]): NavItem[] {
  return kNavItems.filter((item) => permissions.includes(item.permission));
}
