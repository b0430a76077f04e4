/** The file side of agent configs: where agents keep them, and reading/replacing them safely. */
export { defaultConfigFiles, knownAgentConfigs, type KnownAgentConfig, type MachineLayout } from './known-files.js';
export { MAX_AGENT_CONFIG_BYTES, readAgentConfigFile, replaceAgentConfigFile, type FileOps, type ReadPolicy } from './config-file.js';
export { createAgentConfigFiles } from './host-files.js';
