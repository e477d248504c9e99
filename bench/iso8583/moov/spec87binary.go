package main

// The ISO 8583:1987 binary layout of jPOS's ISO87BPackager, written with moov-io/iso8583's own parts.
// moov ships no BCD 1987 spec, so this table is the one-to-one translation of ISO87BPackager's field list
// (class and length per field, as `java -jar jpos-harness.jar describe binary` prints them):
//   IFB_NUMERIC  -> BCD digits, right-aligned (left nibble padded)    prefix none
//   IFB_LLNUM    -> BCD digits, left-aligned (right nibble padded)    BCD LL (digits)
//   IF_CHAR      -> ASCII fixed
//   IFB_LLCHAR / IFB_LLLCHAR -> ASCII with a BCD LL / LLL prefix
//   IFB_BINARY   -> raw bytes fixed
//   IFB_BITMAP   -> 8-byte binary bitmap(s)
// Two deliberate choices, both about what the benchmark message carries:
//   - DE 35 (track 2) packs "=" as nibble D, as jPOS does, through a BCD table with that one extra symbol;
//   - DE 55 (ICC data) holds raw EMV bytes, so it uses moov's binary encoder under the BCD LLL prefix
//     (moov's ASCII encoder rejects bytes above 0x7F); on the wire that is what IFB_LLLCHAR writes.
// IFB_AMOUNT fields (28-31, 97: "C"/"D" + BCD digits) have no moov counterpart and are left out; the
// benchmark message does not use them.

import (
	"fmt"

	"github.com/moov-io/iso8583"
	"github.com/moov-io/iso8583/encoding"
	"github.com/moov-io/iso8583/field"
	"github.com/moov-io/iso8583/prefix"
	"github.com/yerden/go-util/bcd"
)

func bcdFixed(n int, d string) field.Field {
	return field.NewString(&field.Spec{Length: n, Description: d, Enc: encoding.BCD, Pref: prefix.BCD.Fixed})
}

func bcdLL(n int, d string) field.Field {
	return field.NewString(&field.Spec{Length: n, Description: d, Enc: encoding.LBCD, Pref: prefix.BCD.LL})
}

func charFixed(n int, d string) field.Field {
	return field.NewString(&field.Spec{Length: n, Description: d, Enc: encoding.ASCII, Pref: prefix.ASCII.Fixed})
}

func charLL(n int, d string) field.Field {
	return field.NewString(&field.Spec{Length: n, Description: d, Enc: encoding.ASCII, Pref: prefix.BCD.LL})
}

func charLLL(n int, d string) field.Field {
	return field.NewString(&field.Spec{Length: n, Description: d, Enc: encoding.ASCII, Pref: prefix.BCD.LLL})
}

func binaryLLL(n int, d string) field.Field {
	return field.NewString(&field.Spec{Length: n, Description: d, Enc: encoding.Binary, Pref: prefix.BCD.LLL})
}

func binaryFixed(n int, d string) field.Field {
	return field.NewString(&field.Spec{Length: n, Description: d, Enc: encoding.Binary, Pref: prefix.Binary.Fixed})
}

func bitmap() field.Field {
	return field.NewBitmap(&field.Spec{Length: 8, Description: "Bitmap", Enc: encoding.Binary, Pref: prefix.Binary.Fixed})
}

func track2LL(n int, d string) field.Field {
	return field.NewString(&field.Spec{Length: n, Description: d, Enc: track2BCD{}, Pref: prefix.BCD.LL})
}

// track2Table is moov's (go-util's) standard BCD table plus "=" as nibble D, the track 2 field separator.
var track2Table = &bcd.BCD{
	Map: map[byte]byte{
		'0': 0x0, '1': 0x1, '2': 0x2, '3': 0x3, '4': 0x4,
		'5': 0x5, '6': 0x6, '7': 0x7, '8': 0x8, '9': 0x9, '=': 0xd,
	},
	SwapNibbles: false,
	Filler:      0xf,
}

// The tables are stateless, so they are built once (moov's own BCD encoders build theirs on every call).
var (
	track2Encoder = bcd.NewEncoder(track2Table)
	track2Decoder = bcd.NewDecoder(track2Table)
)

// track2BCD is left-aligned BCD (like encoding.LBCD) over track2Table.
type track2BCD struct{}

func (track2BCD) Encode(src []byte) ([]byte, error) {
	if len(src)%2 != 0 {
		src = append(append([]byte{}, src...), '0')
	}
	dst := make([]byte, bcd.EncodedLen(len(src)))
	n, err := track2Encoder.Encode(dst, src)
	if err != nil {
		return nil, fmt.Errorf("track 2 BCD encoding: %w", err)
	}
	return dst[:n], nil
}

func (track2BCD) Decode(src []byte, length int) ([]byte, int, error) {
	padded := length + length%2
	read := bcd.EncodedLen(padded)
	if length < 0 || len(src) < read {
		return nil, 0, fmt.Errorf("track 2 BCD decoding: need %d bytes, have %d", read, len(src))
	}
	dst := make([]byte, padded)
	if _, err := track2Decoder.Decode(dst, src[:read]); err != nil {
		return nil, 0, fmt.Errorf("track 2 BCD decoding: %w", err)
	}
	return dst[:length], read, nil
}

var spec87Binary = &iso8583.MessageSpec{
	Name: "ISO 8583 v1987 binary (jPOS ISO87BPackager layout)",
	Fields: map[int]field.Field{
		0:   bcdFixed(4, "MESSAGE TYPE INDICATOR"),
		1:   bitmap(),
		2:   bcdLL(19, "PAN - PRIMARY ACCOUNT NUMBER"),
		3:   bcdFixed(6, "PROCESSING CODE"),
		4:   bcdFixed(12, "AMOUNT, TRANSACTION"),
		5:   bcdFixed(12, "AMOUNT, SETTLEMENT"),
		6:   bcdFixed(12, "AMOUNT, CARDHOLDER BILLING"),
		7:   bcdFixed(10, "TRANSMISSION DATE AND TIME"),
		8:   bcdFixed(8, "AMOUNT, CARDHOLDER BILLING FEE"),
		9:   bcdFixed(8, "CONVERSION RATE, SETTLEMENT"),
		10:  bcdFixed(8, "CONVERSION RATE, CARDHOLDER BILLING"),
		11:  bcdFixed(6, "SYSTEM TRACE AUDIT NUMBER"),
		12:  bcdFixed(6, "TIME, LOCAL TRANSACTION"),
		13:  bcdFixed(4, "DATE, LOCAL TRANSACTION"),
		14:  bcdFixed(4, "DATE, EXPIRATION"),
		15:  bcdFixed(4, "DATE, SETTLEMENT"),
		16:  bcdFixed(4, "DATE, CONVERSION"),
		17:  bcdFixed(4, "DATE, CAPTURE"),
		18:  bcdFixed(4, "MERCHANTS TYPE"),
		19:  bcdFixed(3, "ACQUIRING INSTITUTION COUNTRY CODE"),
		20:  bcdFixed(3, "PAN EXTENDED COUNTRY CODE"),
		21:  bcdFixed(3, "FORWARDING INSTITUTION COUNTRY CODE"),
		22:  bcdFixed(3, "POINT OF SERVICE ENTRY MODE"),
		23:  bcdFixed(3, "CARD SEQUENCE NUMBER"),
		24:  bcdFixed(3, "NETWORK INTERNATIONAL IDENTIFIEER"),
		25:  bcdFixed(2, "POINT OF SERVICE CONDITION CODE"),
		26:  bcdFixed(2, "POINT OF SERVICE PIN CAPTURE CODE"),
		27:  bcdFixed(1, "AUTHORIZATION IDENTIFICATION RESP LEN"),
		32:  bcdLL(11, "ACQUIRING INSTITUTION IDENT CODE"),
		33:  bcdLL(11, "FORWARDING INSTITUTION IDENT CODE"),
		34:  charLL(28, "PAN EXTENDED"),
		35:  track2LL(37, "TRACK 2 DATA"),
		36:  charLLL(104, "TRACK 3 DATA"),
		37:  charFixed(12, "RETRIEVAL REFERENCE NUMBER"),
		38:  charFixed(6, "AUTHORIZATION IDENTIFICATION RESPONSE"),
		39:  charFixed(2, "RESPONSE CODE"),
		40:  charFixed(3, "SERVICE RESTRICTION CODE"),
		41:  charFixed(8, "CARD ACCEPTOR TERMINAL IDENTIFICACION"),
		42:  charFixed(15, "CARD ACCEPTOR IDENTIFICATION CODE"),
		43:  charFixed(40, "CARD ACCEPTOR NAME/LOCATION"),
		44:  charLL(25, "ADITIONAL RESPONSE DATA"),
		45:  charLL(76, "TRACK 1 DATA"),
		46:  charLLL(999, "ADITIONAL DATA - ISO"),
		47:  charLLL(999, "ADITIONAL DATA - NATIONAL"),
		48:  charLLL(999, "ADITIONAL DATA - PRIVATE"),
		49:  charFixed(3, "CURRENCY CODE, TRANSACTION"),
		50:  charFixed(3, "CURRENCY CODE, SETTLEMENT"),
		51:  charFixed(3, "CURRENCY CODE, CARDHOLDER BILLING"),
		52:  binaryFixed(8, "PIN DATA"),
		53:  bcdFixed(16, "SECURITY RELATED CONTROL INFORMATION"),
		54:  charLLL(120, "ADDITIONAL AMOUNTS"),
		55:  binaryLLL(999, "RESERVED ISO"),
		56:  charLLL(999, "RESERVED ISO"),
		57:  charLLL(999, "RESERVED NATIONAL"),
		58:  charLLL(999, "RESERVED NATIONAL"),
		59:  charLLL(999, "RESERVED NATIONAL"),
		60:  charLLL(999, "RESERVED PRIVATE"),
		61:  charLLL(999, "RESERVED PRIVATE"),
		62:  charLLL(999, "RESERVED PRIVATE"),
		63:  charLLL(999, "RESERVED PRIVATE"),
		64:  binaryFixed(8, "MESSAGE AUTHENTICATION CODE FIELD"),
		65:  binaryFixed(1, "BITMAP, EXTENDED"),
		66:  bcdFixed(1, "SETTLEMENT CODE"),
		67:  bcdFixed(2, "EXTENDED PAYMENT CODE"),
		68:  bcdFixed(3, "RECEIVING INSTITUTION COUNTRY CODE"),
		69:  bcdFixed(3, "SETTLEMENT INSTITUTION COUNTRY CODE"),
		70:  bcdFixed(3, "NETWORK MANAGEMENT INFORMATION CODE"),
		71:  bcdFixed(4, "MESSAGE NUMBER"),
		72:  bcdFixed(4, "MESSAGE NUMBER LAST"),
		73:  bcdFixed(6, "DATE ACTION"),
		74:  bcdFixed(10, "CREDITS NUMBER"),
		75:  bcdFixed(10, "CREDITS REVERSAL NUMBER"),
		76:  bcdFixed(10, "DEBITS NUMBER"),
		77:  bcdFixed(10, "DEBITS REVERSAL NUMBER"),
		78:  bcdFixed(10, "TRANSFER NUMBER"),
		79:  bcdFixed(10, "TRANSFER REVERSAL NUMBER"),
		80:  bcdFixed(10, "INQUIRIES NUMBER"),
		81:  bcdFixed(10, "AUTHORIZATION NUMBER"),
		82:  bcdFixed(12, "CREDITS, PROCESSING FEE AMOUNT"),
		83:  bcdFixed(12, "CREDITS, TRANSACTION FEE AMOUNT"),
		84:  bcdFixed(12, "DEBITS, PROCESSING FEE AMOUNT"),
		85:  bcdFixed(12, "DEBITS, TRANSACTION FEE AMOUNT"),
		86:  bcdFixed(16, "CREDITS, AMOUNT"),
		87:  bcdFixed(16, "CREDITS, REVERSAL AMOUNT"),
		88:  bcdFixed(16, "DEBITS, AMOUNT"),
		89:  bcdFixed(16, "DEBITS, REVERSAL AMOUNT"),
		90:  bcdFixed(42, "ORIGINAL DATA ELEMENTS"),
		91:  charFixed(1, "FILE UPDATE CODE"),
		92:  charFixed(2, "FILE SECURITY CODE"),
		93:  charFixed(6, "RESPONSE INDICATOR"),
		94:  charFixed(7, "SERVICE INDICATOR"),
		95:  charFixed(42, "REPLACEMENT AMOUNTS"),
		96:  binaryFixed(16, "MESSAGE SECURITY CODE"),
		98:  charFixed(25, "PAYEE"),
		99:  bcdLL(11, "SETTLEMENT INSTITUTION IDENT CODE"),
		100: bcdLL(11, "RECEIVING INSTITUTION IDENT CODE"),
		101: charLL(17, "FILE NAME"),
		102: charLL(28, "ACCOUNT IDENTIFICATION 1"),
		103: charLL(28, "ACCOUNT IDENTIFICATION 2"),
		104: charLLL(100, "TRANSACTION DESCRIPTION"),
		105: charLLL(999, "RESERVED ISO USE"),
		106: charLLL(999, "RESERVED ISO USE"),
		107: charLLL(999, "RESERVED ISO USE"),
		108: charLLL(999, "RESERVED ISO USE"),
		109: charLLL(999, "RESERVED ISO USE"),
		110: charLLL(999, "RESERVED ISO USE"),
		111: charLLL(999, "RESERVED ISO USE"),
		112: charLLL(999, "RESERVED NATIONAL USE"),
		113: charLLL(999, "RESERVED NATIONAL USE"),
		114: charLLL(999, "RESERVED NATIONAL USE"),
		115: charLLL(999, "RESERVED NATIONAL USE"),
		116: charLLL(999, "RESERVED NATIONAL USE"),
		117: charLLL(999, "RESERVED NATIONAL USE"),
		118: charLLL(999, "RESERVED NATIONAL USE"),
		119: charLLL(999, "RESERVED NATIONAL USE"),
		120: charLLL(999, "RESERVED PRIVATE USE"),
		121: charLLL(999, "RESERVED PRIVATE USE"),
		122: charLLL(999, "RESERVED PRIVATE USE"),
		123: charLLL(999, "RESERVED PRIVATE USE"),
		124: charLLL(999, "RESERVED PRIVATE USE"),
		125: charLLL(999, "RESERVED PRIVATE USE"),
		126: charLLL(999, "RESERVED PRIVATE USE"),
		127: charLLL(999, "RESERVED PRIVATE USE"),
		128: binaryFixed(8, "MAC 2"),
	},
}
