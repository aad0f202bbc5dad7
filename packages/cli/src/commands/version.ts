// `gateway-doctor --version`: the CLI's version, without loading the core (start-up is measured).
import cliPackage from '../../package.json' with { type: 'json' };

export const VERSION: string = (cliPackage as { version: string }).version;

export async function main(_argv: string[]): Promise<number> {
  process.stdout.write(`gateway-doctor ${VERSION}\n`);
  return 0;
}
