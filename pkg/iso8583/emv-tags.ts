/**
 * EMV tag dictionary: names, value formats and sensitivity of common EMV (BER-TLV) tags carried in DE 55.
 * Used to name tags in pretty prints and to tell masking which tags carry card data. Data only: it never
 * changes how bytes are decoded (the TLV codec keeps values as raw bytes for byte-exact round trips).
 * Source: EMV 4.3 Book 3 Annex A "Data Elements Dictionary" (public tag names).
 */

export interface EmvTagInfo {
  tag: string;
  name: string;
  /** EMV format: b (binary), n (BCD numeric), cn (compressed numeric), an/ans (text). */
  format: 'b' | 'n' | 'cn' | 'an' | 'ans';
  /** True when the value is card/cardholder data (PAN, track, name…) that must be masked in output. */
  sensitive: boolean;
}

const ENTRIES: readonly (readonly [string, string, EmvTagInfo['format'], boolean?])[] = [
  ['4F', 'Application Identifier (AID) - card', 'b'],
  ['50', 'Application Label', 'ans'],
  ['56', 'Track 1 Data', 'ans', true],
  ['57', 'Track 2 Equivalent Data', 'b', true],
  ['5A', 'Application Primary Account Number (PAN)', 'cn', true],
  ['5F20', 'Cardholder Name', 'ans', true],
  ['5F24', 'Application Expiration Date', 'n', true],
  ['5F25', 'Application Effective Date', 'n'],
  ['5F28', 'Issuer Country Code', 'n'],
  ['5F2A', 'Transaction Currency Code', 'n'],
  ['5F2D', 'Language Preference', 'an'],
  ['5F30', 'Service Code', 'n'],
  ['5F34', 'Application PAN Sequence Number', 'n'],
  ['6F', 'File Control Information (FCI) Template', 'b'],
  ['70', 'READ RECORD Response Message Template', 'b'],
  ['71', 'Issuer Script Template 1', 'b'],
  ['72', 'Issuer Script Template 2', 'b'],
  ['77', 'Response Message Template Format 2', 'b'],
  ['80', 'Response Message Template Format 1', 'b'],
  ['82', 'Application Interchange Profile', 'b'],
  ['84', 'Dedicated File (DF) Name', 'b'],
  ['86', 'Issuer Script Command', 'b'],
  ['8A', 'Authorisation Response Code', 'an'],
  ['8C', 'Card Risk Management Data Object List 1 (CDOL1)', 'b'],
  ['8D', 'Card Risk Management Data Object List 2 (CDOL2)', 'b'],
  ['8E', 'Cardholder Verification Method (CVM) List', 'b'],
  ['91', 'Issuer Authentication Data', 'b'],
  ['95', 'Terminal Verification Results', 'b'],
  ['9A', 'Transaction Date', 'n'],
  ['9B', 'Transaction Status Information', 'b'],
  ['9C', 'Transaction Type', 'n'],
  ['9F01', 'Acquirer Identifier', 'n'],
  ['9F02', 'Amount, Authorised (Numeric)', 'n'],
  ['9F03', 'Amount, Other (Numeric)', 'n'],
  ['9F06', 'Application Identifier (AID) - terminal', 'b'],
  ['9F07', 'Application Usage Control', 'b'],
  ['9F08', 'Application Version Number - card', 'b'],
  ['9F09', 'Application Version Number - terminal', 'b'],
  ['9F0D', 'Issuer Action Code - Default', 'b'],
  ['9F0E', 'Issuer Action Code - Denial', 'b'],
  ['9F0F', 'Issuer Action Code - Online', 'b'],
  ['9F10', 'Issuer Application Data', 'b'],
  ['9F11', 'Issuer Code Table Index', 'n'],
  ['9F12', 'Application Preferred Name', 'ans'],
  ['9F15', 'Merchant Category Code', 'n'],
  ['9F16', 'Merchant Identifier', 'ans'],
  ['9F1A', 'Terminal Country Code', 'n'],
  ['9F1C', 'Terminal Identification', 'an'],
  ['9F1E', 'Interface Device (IFD) Serial Number', 'an'],
  ['9F1F', 'Track 1 Discretionary Data', 'ans', true],
  ['9F20', 'Track 2 Discretionary Data', 'cn', true],
  ['9F21', 'Transaction Time', 'n'],
  ['9F26', 'Application Cryptogram', 'b'],
  ['9F27', 'Cryptogram Information Data', 'b'],
  ['9F33', 'Terminal Capabilities', 'b'],
  ['9F34', 'Cardholder Verification Method (CVM) Results', 'b'],
  ['9F35', 'Terminal Type', 'n'],
  ['9F36', 'Application Transaction Counter (ATC)', 'b'],
  ['9F37', 'Unpredictable Number', 'b'],
  ['9F39', 'Point-of-Service (POS) Entry Mode', 'n'],
  ['9F40', 'Additional Terminal Capabilities', 'b'],
  ['9F41', 'Transaction Sequence Counter', 'n'],
  ['9F53', 'Transaction Category Code', 'an'],
  ['9F5B', 'Issuer Script Results', 'b'],
  ['9F6B', 'Track 2 Data (contactless)', 'b', true],
  ['9F6E', 'Form Factor Indicator / Third Party Data', 'b'],
  ['9F7C', 'Customer Exclusive Data', 'b'],
];

const BY_TAG: ReadonlyMap<string, EmvTagInfo> = new Map(
  ENTRIES.map(([tag, name, format, sensitive]) => [tag, { tag, name, format, sensitive: sensitive === true }]),
);

/** Dictionary entry for an EMV tag (hex, any case), or undefined for tags the dictionary does not know. */
export function emvTagInfo(tag: string): EmvTagInfo | undefined {
  return BY_TAG.get(tag.toUpperCase());
}

/** Every known EMV tag, in dictionary order. */
export function emvTags(): EmvTagInfo[] {
  return [...BY_TAG.values()];
}
