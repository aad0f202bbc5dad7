// tools/check-probes.ts as a test: every registered probe has its doc page, every code it emits is in the
// catalog and documented, and some test or world mentions it.
import t from 'tap';
import { checkProbes } from '../../../tools/check-probes.ts';

t.test('every probe has a doc page, catalog codes and a test or world', async (t) => {
  const { problems, notes, probes } = checkProbes();
  for (const note of notes) t.comment(note);
  t.ok(probes > 0, 'probes are registered');
  t.same(problems, [], problems.length ? problems.join('\n') : 'no problems');
});
