/**
 * fluxrig ↔ jPOS (Maven Central org.jpos:jpos, stock packagers, through the harness jar built by
 * test/interop/jpos/install): iso87ascii against ISO87APackager, iso87binary against ISO87BPackager.
 */
import { elementSweep } from '../support/elements.ts';
import { jposOracle } from '../support/oracles.ts';
import { interopSuite } from '../support/suite.ts';

interopSuite('iso87ascii', () => jposOracle('ascii'));
interopSuite('iso87binary', () => jposOracle('binary'));
interopSuite('iso93ascii', () => jposOracle('ascii93'));

// Where the shipped specs follow ISO 8583:1987 (and pyiso8583) rather than jPOS's 1987 packagers.
const JPOS_87_DIFFERENCES = {
  93: 'response indicator: ISO 8583:1987 an 5 (fluxrig, pyiso8583); jPOS ISO87A/BPackager IF_CHAR 6',
  96: 'message security code: ISO 8583:1987 b 64 = 8 bytes (fluxrig, pyiso8583); jPOS ISO87A/BPackager 16 bytes',
};
elementSweep('iso87ascii', () => jposOracle('ascii'), {
  ...JPOS_87_DIFFERENCES,
  65: 'bitmap, extended: fluxrig iso87ascii 8 bytes as 16 hex characters (ISO b 64); jPOS ISO87APackager IFA_BINARY(1), 1 byte',
});
elementSweep('iso87binary', () => jposOracle('binary'), JPOS_87_DIFFERENCES);
