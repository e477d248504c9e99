/** [iso8583]: where ISO 8583 spec files come from. */
import { z } from 'zod';
import { text } from '../types.ts';

export const iso8583Section = z
  .object({
    specs_dir: text('', 'Directory of extra ISO 8583 spec files (YAML/JSON) loaded besides the built-in ones; "" = built-ins only.'),
  })
  .prefault({})
  .meta({ description: 'ISO 8583 codec.' });
