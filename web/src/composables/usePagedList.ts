// Cursor pagination for list pages: load the first page, append the next on "加载更多",
// start over when the filter changes. A reload discards answers of older requests.

import { ref, shallowRef } from 'vue';
import type { Page } from '../api/types';

export function usePagedList<T>(fetchPage: (cursor: string | null) => Promise<Page<T>>) {
  const items = shallowRef<T[]>([]);
  const nextCursor = ref<string | null>(null);
  const loading = ref(false);
  const loadedOnce = ref(false);
  const failure = ref<unknown>(null);
  let generation = 0;

  async function load(reset: boolean): Promise<void> {
    if (loading.value && !reset) return;
    const mine = ++generation;
    loading.value = true;
    failure.value = null;
    try {
      const page = await fetchPage(reset ? null : nextCursor.value);
      if (mine !== generation) return;
      items.value = reset ? page.items : [...items.value, ...page.items];
      nextCursor.value = page.next_cursor ?? null;
      loadedOnce.value = true;
    } catch (e) {
      if (mine === generation) failure.value = e;
    } finally {
      if (mine === generation) loading.value = false;
    }
  }

  return {
    items,
    nextCursor,
    loading,
    loadedOnce,
    failure,
    reload: () => load(true),
    loadMore: () => load(false),
  };
}
