/**
 * fluxrig ↔ pyiso8583 (PyPI):
 *   iso87ascii  against pyiso8583's stock `default_ascii` spec;
 *   iso87ebcdic against pyiso8583's stock `default` spec written in EBCDIC cp037 (every ASCII encoding
 *               replaced, nothing else: binary bitmap, raw PIN/MAC/ICC), see oracle.py.
 * pyiso8583's `default` spec as shipped (ASCII) is not compared with iso87binary: it keeps ASCII MTI,
 * numerics and length prefixes next to a binary bitmap, a hybrid that is not the 1987 binary (BCD)
 * layout; jPOS ISO87BPackager covers iso87binary (test/interop/jpos).
 */
import { elementSweep } from '../support/elements.ts';
import { pyiso8583Oracle } from '../support/oracles.ts';
import { interopSuite } from '../support/suite.ts';

interopSuite('iso87ascii', () => pyiso8583Oracle('ascii'));
interopSuite('iso87ebcdic', () => pyiso8583Oracle('ebcdic'));
// pyiso8583 4 reads bit 65 as "a tertiary bitmap follows" and drops a DE 65 value when encoding; the
// 1987 specs declare no tertiary bitmap, so fluxrig carries DE 65 as data.
const PYISO8583_DIFFERENCES = {
  65: 'pyiso8583 treats bit 65 as the tertiary-bitmap flag (no DE 65 data); fluxrig 1987 specs carry DE 65 as an 8-byte field',
};
elementSweep('iso87ascii', () => pyiso8583Oracle('ascii'), PYISO8583_DIFFERENCES);
elementSweep('iso87ebcdic', () => pyiso8583Oracle('ebcdic'), PYISO8583_DIFFERENCES);
