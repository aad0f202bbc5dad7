// @gateway-doctor/job: the in-pod entrypoint, importable for tests and embedding.
export { runJob, main, compactTermination, terminationFromReport, DEFAULT_CONFIG_PATH, DEFAULT_TERMINATION_LOG, TERMINATION_LIMIT, type JobIo, type TerminationSummary } from './main.ts';
