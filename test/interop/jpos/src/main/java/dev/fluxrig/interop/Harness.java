/*
 * jPOS oracle for fluxrig: a line-oriented stdin/stdout process around jPOS's stock 1987 packagers.
 *
 * What it is for: letting fluxrig's TypeScript tests and benchmark ask an independent, widely deployed
 * ISO 8583 implementation how it reads and writes the same bytes. One process serves a whole batch.
 * What it must never do: adapt jPOS to fluxrig. The packagers are used exactly as jPOS ships them; any
 * difference between the two codecs must show up in the test, not be smoothed over here. The -tlv55 bench
 * variants only compose jPOS's own parts, plus the two small pieces jPOS 2.1.10 lacks for it (see tlv55).
 *
 * Usage (spec is "ascii" = ISO87APackager, "binary" = ISO87BPackager, "ascii93" = ISO93APackager;
 *        "ascii-tlv55" and "binary-tlv55", bench only: the same 1987 packagers with DE 55 decoded into EMV
 *        BER-TLV items by jPOS's own BERTLVBinaryPackager and packed back from them, see tlv55;
 *        "ascii-bytes55": ISO87APackager with DE 55 hex-decoded into bytes and encoded back, see bytes55):
 *   unpack SPEC      stdin: one hex message per line  -> stdout: {"mti":"0200","fields":{"2":"..."}} per line
 *   pack SPEC        stdin: one such JSON per line     -> stdout: {"hex":"..."} per line
 *   describe SPEC    stdout: one JSON line per field: number, packager class, max length, binary or not
 *   bench SPEC HEX [warmupMs] [measureMs]
 *                    unpack+pack of HEX in one thread, windows in process CPU time
 *                    -> {"impl":"jpos","spec":SPEC,"ops_per_cpu_sec":N,"ops_per_sec":N,...}
 *                    (with a -tlv55 spec also "de55_items": how many TLV items jPOS unpacked from DE 55)
 * A line that fails answers {"error":"..."} so one bad message never desynchronises the batch.
 *
 * Field values in JSON: text fields as jPOS returns them (getString), binary fields (ISOBinaryField, e.g. DE 52
 * and DE 64) as upper-case hex. Field 0 (MTI) is "mti"; the bitmap (field 1) is implied by the field set.
 */
package dev.fluxrig.interop;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jpos.iso.AsciiHexInterpreter;
import org.jpos.iso.AsciiPrefixer;
import org.jpos.iso.ISOBasePackager;
import org.jpos.iso.ISOBinaryField;
import org.jpos.iso.ISOBinaryFieldPackager;
import org.jpos.iso.ISOComponent;
import org.jpos.iso.ISOException;
import org.jpos.iso.ISOFieldPackager;
import org.jpos.iso.ISOMsg;
import org.jpos.iso.ISOMsgFieldPackager;
import org.jpos.iso.ISOUtil;
import org.jpos.iso.Prefixer;
import org.jpos.iso.packager.ISO87APackager;
import org.jpos.iso.packager.ISO87BPackager;
import org.jpos.iso.packager.ISO93APackager;
import org.jpos.tlv.ISOTaggedField;
import org.jpos.tlv.TLVDataFormat;
import org.jpos.tlv.packager.bertlv.BERTLVBinaryPackager;
import org.jpos.tlv.packager.bertlv.BERTLVFormatMapper;

public final class Harness {
    // HTML escaping off: track 2 separators and the like stay readable ("=" not "\u003d").
    private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().create();

    private Harness() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: Harness unpack|pack|describe|bench ascii|binary|ascii93 [HEX warmupMs measureMs]");
            System.exit(2);
        }
        ISOBasePackager packager = packagerFor(args[1]);
        if (args[1].endsWith("-tlv55") && !args[0].equals("bench")) {
            // The line protocol carries each field as one string; a DE 55 made of TLV items has none.
            System.err.println("spec " + args[1] + " is for bench mode only");
            System.exit(2);
        }
        PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
        switch (args[0]) {
            case "unpack" -> eachLine(out, line -> unpackToJson(packager, ISOUtil.hex2byte(line)));
            case "pack" -> eachLine(out, line -> {
                JsonObject answer = new JsonObject();
                answer.addProperty("hex", ISOUtil.hexString(packFromJson(packager, JsonParser.parseString(line).getAsJsonObject())));
                return GSON.toJson(answer);
            });
            case "describe" -> describe(packager, out);
            case "bench" -> {
                if (args.length < 3) throw new IllegalArgumentException("bench needs the message hex");
                long warmupMs = args.length > 3 ? Long.parseLong(args[3]) : 2000;
                long measureMs = args.length > 4 ? Long.parseLong(args[4]) : 3000;
                out.println(bench(packager, args[1], ISOUtil.hex2byte(args[2]), warmupMs, measureMs));
            }
            default -> {
                System.err.println("unknown mode: " + args[0]);
                System.exit(2);
            }
        }
        out.flush();
    }

    static ISOBasePackager packagerFor(String spec) throws ISOException {
        return switch (spec) {
            case "ascii" -> new ISO87APackager();
            case "binary" -> new ISO87BPackager();
            case "ascii93" -> new ISO93APackager();
            case "ascii-tlv55" -> tlv55(new ISO87APackager(), true);
            case "binary-tlv55" -> tlv55(new ISO87BPackager(), false);
            case "ascii-bytes55" -> bytes55(new ISO87APackager());
            default -> throw new IllegalArgumentException("spec must be ascii, binary, ascii93, ascii-tlv55, binary-tlv55 or ascii-bytes55, got " + spec);
        };
    }

    /**
     * ISO87APackager whose DE 55 (hex text behind an ASCII LLL prefix counting hex digits) jPOS reads into
     * bytes and writes back from them, with the field packager the ascii-tlv55 spec wraps: the work fluxrig
     * does on DE 55 when it carries it as plain bytes. The stock IFA_LLLCHAR keeps those digits as a String,
     * i.e. decodes no hex at all, which is what the benchmark's "DE 55 as text" line compares.
     */
    static ISOBasePackager bytes55(ISOBasePackager stock) throws ISOException {
        stock.setFieldPackager(55, hexTextAsBytes(stock.getFieldPackager(55)));
        return stock;
    }

    /** DE 55 of the ASCII spec read as bytes: jPOS's ISOBinaryFieldPackager with its AsciiHexInterpreter. */
    static ISOFieldPackager hexTextAsBytes(ISOFieldPackager stock) {
        return new ISOBinaryFieldPackager(stock.getLength() / 2, stock.getDescription(), AsciiHexInterpreter.INSTANCE, HEX_TEXT_LLL);
    }

    /**
     * A stock 1987 packager whose DE 55 jPOS itself decodes into EMV BER-TLV items (one ISOTaggedField per
     * item) and packs back from them, the work fluxrig does on DE 55, so the benchmark compares like with
     * like: jPOS's ISOMsgFieldPackager around a DE 55 field packager, with jPOS's BERTLVBinaryPackager
     * walking the items. `hexText` false: the binary spec, DE 55 stays the stock IFB_LLLCHAR (raw bytes).
     * True: the ASCII spec, whose DE 55 is the items' bytes as hex text behind an ASCII LLL prefix counting
     * hex digits (ISO87APackager reads it as IFA_LLLCHAR); it is read as bytes by hexTextAsBytes. Why not jPOS's BERTLVAsciiHexPackager
     * on the stock IFA_LLLCHAR: in 2.1.10 it takes an item's length as counting hex characters of its value
     * (it copies and skips `length` characters; its own test vector for jPOS issue 568 is written that way),
     * where EMV data in hex counts bytes, so it cannot read this DE 55 (it stops with an index error).
     */
    static ISOBasePackager tlv55(ISOBasePackager stock, boolean hexText) throws ISOException {
        BERTLVBinaryPackager items = new BERTLVBinaryPackager() {
            @Override
            protected BERTLVFormatMapper getTagFormatMapper() {
                return VALUES_AS_BYTES;
            }
        };
        // A BER-TLV packager has no sub-field packagers; an empty one-slot table is how jPOS's own tests
        // set it up (Bug349BinaryPackager): without one, unpack dereferences a null table.
        items.setFieldPackager(new ISOFieldPackager[1]);
        ISOFieldPackager field = stock.getFieldPackager(55);
        if (hexText) field = hexTextAsBytes(field);
        stock.setFieldPackager(55, new ISOMsgFieldPackager(field, items));
        return stock;
    }

    /**
     * Every item's value as its bytes, constructed ones (BER tag bit 6 set, e.g. templates 70 and 77) as
     * nested items: fluxrig's EMV value model. jPOS's DefaultICCBERTLVFormatMapper would also turn numeric
     * tags into strings, and it refuses tags it does not know (9F53, in the bench message).
     */
    static final BERTLVFormatMapper VALUES_AS_BYTES = tagNumber -> {
        int first = tagNumber;
        while (first > 0xff) first >>>= 8;
        return (first & 0x20) != 0 ? TLVDataFormat.CONSTRUCTED : TLVDataFormat.BINARY;
    };

    /** ASCII LLL length prefix counting hex digits, two per byte: DE 55 of the ASCII spec, as bytes. */
    static final Prefixer HEX_TEXT_LLL = new Prefixer() {
        @Override
        public void encodeLength(int bytes, byte[] b) throws ISOException {
            AsciiPrefixer.LLL.encodeLength(bytes * 2, b);
        }

        @Override
        public int decodeLength(byte[] b, int offset) throws ISOException {
            int digits = AsciiPrefixer.LLL.decodeLength(b, offset);
            if (digits % 2 != 0) throw new ISOException("odd hex digit count " + digits);
            return digits / 2;
        }

        @Override
        public int getPackedLength() {
            return AsciiPrefixer.LLL.getPackedLength();
        }
    };

    /**
     * How many EMV items DE 55 of `bytes` unpacks to under a -tlv55 packager. Fails unless every child is a
     * tagged TLV item and a change to one item's value changes the packed message: so the figure is for
     * items decoded and encoded again, not for DE 55 carried whole.
     */
    static int de55Items(ISOBasePackager packager, byte[] bytes) throws Exception {
        ISOMsg msg = new ISOMsg();
        msg.setPackager(packager);
        msg.unpack(bytes);
        if (!(msg.getComponent(55) instanceof ISOMsg de55) || de55.getChildren().isEmpty()) {
            throw new IllegalStateException("DE 55 was not unpacked into TLV items: " + msg.getComponent(55));
        }
        for (Object child : de55.getChildren().values()) {
            if (!(child instanceof ISOTaggedField)) throw new IllegalStateException("DE 55 child is not a TLV item: " + child);
        }
        // Counted before packing: pack adds a bitmap entry (field -1) to the children.
        int items = de55.getChildren().size();
        ISOTaggedField first = (ISOTaggedField) de55.getChildren().values().iterator().next();
        byte[] value = first.getBytes().clone();
        value[0] ^= 0x01;
        first.getDelegate().setValue(value);
        if (Arrays.equals(msg.pack(), bytes)) throw new IllegalStateException("DE 55 is not packed from its TLV items");
        return items;
    }

    interface LineHandler {
        String handle(String line) throws Exception;
    }

    /** Answers every non-empty stdin line with exactly one stdout line, in order, flushing after each. */
    static void eachLine(PrintStream out, LineHandler handler) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line; (line = in.readLine()) != null; ) {
            line = line.trim();
            if (line.isEmpty()) continue;
            String answer;
            try {
                answer = handler.handle(line);
            } catch (Exception e) {
                JsonObject error = new JsonObject();
                error.addProperty("error", e.getClass().getSimpleName() + ": " + e.getMessage());
                answer = GSON.toJson(error);
            }
            out.println(answer);
            out.flush();
        }
    }

    static String unpackToJson(ISOBasePackager packager, byte[] bytes) throws Exception {
        ISOMsg msg = new ISOMsg();
        msg.setPackager(packager);
        int consumed = msg.unpack(bytes);
        Map<String, String> fields = new LinkedHashMap<>();
        for (int i = 2; i <= msg.getMaxField(); i++) {
            if (!msg.hasField(i)) continue;
            ISOComponent c = msg.getComponent(i);
            fields.put(Integer.toString(i), c instanceof ISOBinaryField
                ? ISOUtil.hexString(msg.getBytes(i))
                : msg.getString(i));
        }
        JsonObject answer = new JsonObject();
        answer.addProperty("mti", msg.getMTI());
        answer.add("fields", GSON.toJsonTree(fields));
        answer.addProperty("consumed", consumed);
        return GSON.toJson(answer);
    }

    static byte[] packFromJson(ISOBasePackager packager, JsonObject json) throws Exception {
        ISOMsg msg = new ISOMsg();
        msg.setPackager(packager);
        msg.setMTI(json.get("mti").getAsString());
        JsonObject fields = json.getAsJsonObject("fields");
        for (String key : fields.keySet()) {
            int n = Integer.parseInt(key);
            String value = fields.get(key).getAsString();
            ISOFieldPackager fp = packager.getFieldPackager(n);
            if (fp == null) throw new IllegalArgumentException("field " + n + " is not defined by " + packager.getClass().getSimpleName());
            if (fp.createComponent(n) instanceof ISOBinaryField) {
                msg.set(n, ISOUtil.hex2byte(value));
            } else {
                msg.set(n, value);
            }
        }
        return msg.pack();
    }

    static void describe(ISOBasePackager packager, PrintStream out) {
        for (int i = 0; i <= 128; i++) {
            ISOFieldPackager fp = packager.getFieldPackager(i);
            if (fp == null) continue;
            JsonObject d = new JsonObject();
            d.addProperty("field", i);
            d.addProperty("class", fp.getClass().getSimpleName());
            d.addProperty("maxLength", fp.getLength());
            d.addProperty("binary", fp.createComponent(i) instanceof ISOBinaryField);
            d.addProperty("description", fp.getDescription());
            out.println(GSON.toJson(d));
        }
    }

    /**
     * Single-threaded unpack+pack loop: warm up (lets the JIT compile the hot path), then count complete
     * round trips in the measuring window. Both windows are measured in CPU time of the whole process
     * (application thread, JIT and GC threads alike), so a busy shared machine slows the run down without
     * changing the figure much; wall-clock throughput is reported beside it. The output lengths are summed
     * and printed so the JIT cannot discard the work.
     */
    static String bench(ISOBasePackager packager, String spec, byte[] bytes, long warmupMs, long measureMs) throws Exception {
        byte[] once = roundTrip(packager, bytes);
        boolean exact = Arrays.equals(once, bytes);
        int items = spec.endsWith("-tlv55") ? de55Items(packager, bytes) : -1;
        long sink = 0;
        long warmupEnd = processCpuNanos() + warmupMs * 1_000_000L;
        while (processCpuNanos() < warmupEnd) {
            for (int i = 0; i < 256; i++) sink += roundTrip(packager, bytes).length;
        }
        long ops = 0;
        long cpuStart = processCpuNanos();
        long wallStart = System.nanoTime();
        long cpuEnd = cpuStart + measureMs * 1_000_000L;
        long cpuNow;
        do {
            for (int i = 0; i < 256; i++) sink += roundTrip(packager, bytes).length;
            ops += 256;
            cpuNow = processCpuNanos();
        } while (cpuNow < cpuEnd);
        double wallSeconds = (System.nanoTime() - wallStart) / 1e9;
        double cpuSeconds = (cpuNow - cpuStart) / 1e9;
        JsonObject answer = new JsonObject();
        answer.addProperty("impl", "jpos");
        answer.addProperty("spec", spec);
        answer.addProperty("ops_per_cpu_sec", Math.round(ops / cpuSeconds));
        answer.addProperty("ops_per_sec", Math.round(ops / wallSeconds));
        answer.addProperty("ops", ops);
        answer.addProperty("cpu_seconds", cpuSeconds);
        answer.addProperty("seconds", wallSeconds);
        answer.addProperty("roundtrip_exact", exact);
        if (items >= 0) answer.addProperty("de55_items", items);
        answer.addProperty("version", ISOMsg.class.getPackage().getImplementationVersion());
        answer.addProperty("sink", sink);
        return GSON.toJson(answer);
    }

    private static final com.sun.management.OperatingSystemMXBean OS =
        (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();

    /** CPU time used by this whole JVM process so far, in nanoseconds. */
    static long processCpuNanos() {
        return OS.getProcessCpuTime();
    }

    static byte[] roundTrip(ISOBasePackager packager, byte[] bytes) throws Exception {
        ISOMsg msg = new ISOMsg();
        msg.setPackager(packager);
        msg.unpack(bytes);
        return msg.pack();
    }
}
