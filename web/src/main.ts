// Entry point of kefu's web UI.

import { createApp } from 'vue';
import App from './App.vue';
import { i18n } from './i18n';
import { router } from './router';
import { installUi } from './ui';
import { setUnauthorizedHandler } from './api/http';
import { dropSession } from './session/session';
import './styles.css';

// Any 401 outside login means the session ended: forget it and show the login page.
setUnauthorizedHandler(() => {
  dropSession();
  const current = router.currentRoute.value;
  if (current.name !== 'login') {
    void router.replace({ name: 'login', query: { redirect: current.fullPath, expired: '1' } });
  }
});

const app = createApp(App);
app.use(i18n);
app.use(router);
installUi(app);
app.mount('#app');
