/**
 * The date and time fields a request carries, in UTC: DE 7 transmission date and time (MMDDhhmmss),
 * DE 12 local transaction time (hhmmss) and DE 13 local transaction date (MMDD). Pure: the caller
 * passes the clock's reading.
 */
export interface IsoDateTimeFields {
  /** DE 7, MMDDhhmmss. */
  transmission: string;
  /** DE 12, hhmmss. */
  localTime: string;
  /** DE 13, MMDD. */
  localDate: string;
}

export function isoDateTimeFields(now: Date): IsoDateTimeFields {
  const localDate = `${two(now.getUTCMonth() + 1)}${two(now.getUTCDate())}`;
  const localTime = `${two(now.getUTCHours())}${two(now.getUTCMinutes())}${two(now.getUTCSeconds())}`;
  return { transmission: localDate + localTime, localTime, localDate };
}

function two(value: number): string {
  return String(value).padStart(2, '0');
}
