package io.redissidecar.proxy.codec;

import io.netty.buffer.ByteBuf;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/** Splits an inline request line into arguments the way Redis's sdssplitargs does (quotes and escapes). */
final class InlineSplitter {
    private InlineSplitter() {
    }

    static List<byte[]> split(ByteBuf in, int from, int to) throws RespProtocolException {
        List<byte[]> out = new ArrayList<>();
        int i = from;
        while (true) {
            while (i < to && isSpace(in.getByte(i))) {
                i++;
            }
            if (i >= to) {
                return out;
            }
            ByteArrayOutputStream cur = new ByteArrayOutputStream();
            boolean inDq = false;
            boolean inSq = false;
            boolean done = false;
            while (!done) {
                if (i >= to) {
                    if (inDq || inSq) {
                        throw new RespProtocolException("Protocol error: unbalanced quotes in request");
                    }
                    break;
                }
                byte c = in.getByte(i);
                if (inDq) {
                    if (c == '\\' && i + 3 < to && in.getByte(i + 1) == 'x' && isHex(in.getByte(i + 2))
                            && isHex(in.getByte(i + 3))) {
                        cur.write(hex(in.getByte(i + 2)) * 16 + hex(in.getByte(i + 3)));
                        i += 3;
                    } else if (c == '\\' && i + 1 < to) {
                        i++;
                        byte e = in.getByte(i);
                        cur.write(switch (e) {
                            case 'n' -> '\n';
                            case 'r' -> '\r';
                            case 't' -> '\t';
                            case 'b' -> '\b';
                            case 'a' -> 7;
                            default -> e;
                        });
                    } else if (c == '"') {
                        if (i + 1 < to && !isSpace(in.getByte(i + 1))) {
                            throw new RespProtocolException("Protocol error: unbalanced quotes in request");
                        }
                        done = true;
                    } else {
                        cur.write(c);
                    }
                } else if (inSq) {
                    if (c == '\\' && i + 1 < to && in.getByte(i + 1) == '\'') {
                        i++;
                        cur.write('\'');
                    } else if (c == '\'') {
                        if (i + 1 < to && !isSpace(in.getByte(i + 1))) {
                            throw new RespProtocolException("Protocol error: unbalanced quotes in request");
                        }
                        done = true;
                    } else {
                        cur.write(c);
                    }
                } else if (isSpace(c)) {
                    done = true;
                } else if (c == '"') {
                    inDq = true;
                } else if (c == '\'') {
                    inSq = true;
                } else {
                    cur.write(c);
                }
                i++;
            }
            out.add(cur.toByteArray());
        }
    }

    private static boolean isSpace(byte b) {
        return b == ' ' || b == '\n' || b == '\r' || b == '\t' || b == 0x0b || b == '\f';
    }

    private static boolean isHex(byte b) {
        return (b >= '0' && b <= '9') || (b >= 'a' && b <= 'f') || (b >= 'A' && b <= 'F');
    }

    private static int hex(byte b) {
        return b <= '9' ? b - '0' : (b | 0x20) - 'a' + 10;
    }
}
