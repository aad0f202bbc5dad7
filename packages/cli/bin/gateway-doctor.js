#!/usr/bin/env node
// `gateway-doctor` as an installed binary: registers tsx so the TypeScript sources run as they are, then hands
// over to the dispatcher.
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('../src/bin.ts');
await runCli();
