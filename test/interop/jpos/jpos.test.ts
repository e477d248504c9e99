/**
 * fluxrig ↔ jPOS (Maven Central org.jpos:jpos, stock packagers, through the harness jar built by
 * test/interop/jpos/install): iso87ascii against ISO87APackager, iso87binary against ISO87BPackager.
 */
import { jposOracle } from '../support/oracles.ts';
import { interopSuite } from '../support/suite.ts';

interopSuite('iso87ascii', () => jposOracle('ascii'));
interopSuite('iso87binary', () => jposOracle('binary'));
