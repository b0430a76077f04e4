import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import './styles/index.css';

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');
if (!('latchkey' in window)) {
  root.textContent = 'Latchkey cannot reach its broker: this page must be opened by the Latchkey app or the URL the headless host printed.';
} else {
  createRoot(root).render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
}
