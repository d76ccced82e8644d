import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app/App';
import { connectHost } from './app/connection';
import './app/styles.css';

const root = document.getElementById('root');
if (!root) throw new Error('missing #root');
connectHost();
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
