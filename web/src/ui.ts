// The Element Plus components of the login page and the shell, registered globally with only
// their own styles. Pages import the other components they use themselves (with their style
// imports), so each page's chunk carries its own and the first load stays small.

import type { App } from 'vue';
import {
  ElAlert, ElAside, ElButton, ElConfigProvider, ElContainer, ElForm, ElFormItem, ElHeader,
  ElIcon, ElInput, ElMain, ElMenu, ElMenuItem, ElTag,
} from 'element-plus';

import 'element-plus/theme-chalk/base.css';
import 'element-plus/es/components/alert/style/css';
import 'element-plus/es/components/aside/style/css';
import 'element-plus/es/components/button/style/css';
import 'element-plus/es/components/config-provider/style/css';
import 'element-plus/es/components/container/style/css';
import 'element-plus/es/components/form/style/css';
import 'element-plus/es/components/form-item/style/css';
import 'element-plus/es/components/header/style/css';
import 'element-plus/es/components/icon/style/css';
import 'element-plus/es/components/input/style/css';
import 'element-plus/es/components/main/style/css';
import 'element-plus/es/components/menu/style/css';
import 'element-plus/es/components/menu-item/style/css';
import 'element-plus/es/components/tag/style/css';

const components = [
  ElAlert, ElAside, ElButton, ElConfigProvider, ElContainer, ElForm, ElFormItem, ElHeader,
  ElIcon, ElInput, ElMain, ElMenu, ElMenuItem, ElTag,
];

export function installUi(app: App): void {
  for (const component of components) app.use(component);
}
