import '@shopify/polaris/build/esm/styles.css';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';

const container = document.getElementById('app');
if (!container) throw new Error('loyalty admin: #app element not found');

createRoot(container).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
