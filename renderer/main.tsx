import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app/App';
import { connectHost } from './app/connection';
import './app/styles.css';

const root = document.getElementById('root');
if (!root) throw new Error('missing #root');
// A conference join page (`/join?token=…`) opens its own connection with the link token.
if (!/\/join\/?$/.test(window.location.pathname)) connectHost();
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
