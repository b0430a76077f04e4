export * from './discover.js';
export { startExtensionHost, restartDelay, type ExtensionHost, type ExtensionHostOptions, type HostLimits, type RestartPolicy } from './host.js';
export { nodeForkRuntime, utilityProcessRuntime, permissionExecArgv, EXTENSION_ENV, type ExtensionRuntime, type ExtensionProcess, type LaunchSpec, type UtilityProcessModule } from './runtime.js';
export { ChildFrame, HostFrame } from './protocol.js';
export { checkExtensionFolder } from './folder-guard.js';
