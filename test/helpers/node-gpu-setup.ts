// Gives Node tests the browser's `navigator.gpu`, backed by Dawn (the `webgpu` package).
// Node 20 has no global `navigator`; newer Node has one without `gpu`.
import { create, globals } from 'webgpu';

Object.assign(globalThis, globals);
const gpu = create([]);
const nav = (globalThis as { navigator?: object }).navigator;
if (nav) Object.defineProperty(nav, 'gpu', { value: gpu, configurable: true });
else Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true });
// Marks the Node project so the helper asks Dawn for its fallback (SwiftShader) adapter.
(globalThis as { __MIXUP_NODE_GPU__?: boolean }).__MIXUP_NODE_GPU__ = true;
