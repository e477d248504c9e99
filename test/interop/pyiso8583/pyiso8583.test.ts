/**
 * fluxrig ↔ pyiso8583 (PyPI):
 *   iso87ascii  against pyiso8583's stock `default_ascii` spec;
 *   iso87ebcdic against pyiso8583's stock `default` spec written in EBCDIC cp037 (every ASCII encoding
 *               replaced, nothing else: binary bitmap, raw PIN/MAC/ICC), see oracle.py.
 * pyiso8583's `default` spec as shipped (ASCII) is not compared with iso87binary: it keeps ASCII MTI,
 * numerics and length prefixes next to a binary bitmap, a hybrid that is not the 1987 binary (BCD)
 * layout; jPOS ISO87BPackager covers iso87binary (test/interop/jpos).
 */
import { pyiso8583Oracle } from '../support/oracles.ts';
import { interopSuite } from '../support/suite.ts';

interopSuite('iso87ascii', () => pyiso8583Oracle('ascii'));
interopSuite('iso87ebcdic', () => pyiso8583Oracle('ebcdic'));
