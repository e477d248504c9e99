/**
 * fluxrig ↔ pyiso8583 (PyPI, stock `default_ascii` spec): the ISO 8583:1987 ASCII spec both ways.
 * pyiso8583's binary `default` spec is not compared: it keeps ASCII MTI, numerics and length prefixes
 * next to a binary bitmap, a hybrid that is not the 1987 binary (BCD) layout of fluxrig's iso87binary
 * (jPOS ISO87BPackager covers that one, in test/interop/jpos). See oracle.py.
 */
import { pyiso8583Oracle } from '../support/oracles.ts';
import { interopSuite } from '../support/suite.ts';

interopSuite('iso87ascii', pyiso8583Oracle);
