// The CSV import's calls, typed from the generated schema.
import { api, apiFetch } from './api';
import type { components } from './api-types';

export type ImportBatch = components['schemas']['ImportBatch'];
export type ImportFormat = components['schemas']['ImportUploadRequest']['format'];

const BASE = '/api/admin/imports';

export const importApi = {
  upload: (file: File, format: ImportFormat) => {
    const body = new FormData();
    body.append('file', file);
    body.append('format', format);
    return apiFetch<ImportBatch>(BASE, { method: 'POST', body });
  },
  batch: (id: string, signal?: AbortSignal) => api.get<ImportBatch>(`${BASE}/${id}`, { signal }),
  confirm: (id: string) => api.post<ImportBatch>(`${BASE}/${id}/confirm`),
};
