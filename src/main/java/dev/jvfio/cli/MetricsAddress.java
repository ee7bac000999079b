package dev.jvfio.cli;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * The address of {@code serve --metrics}: {@code HOST:PORT}, {@code [IPv6]:PORT}, or just
 * {@code PORT} (or {@code :PORT}) for the loopback address: metrics tell how a machine's devices
 * are used, so they leave the machine only when the user names an address that does.
 */
final class MetricsAddress implements ITypeConverter<InetSocketAddress> {
    @Override
    public InetSocketAddress convert(String value) {
        return parse(value);
    }

    static InetSocketAddress parse(String value) {
        String host;
        String port;
        int colon = value.lastIndexOf(':');
        if (value.startsWith("[")) {
            int close = value.indexOf(']');
            if (close < 0 || close + 1 != colon) throw bad(value);
            host = value.substring(1, close);
            port = value.substring(colon + 1);
        } else if (colon < 0) {
            host = "";
            port = value;
        } else if (value.indexOf(':') != colon) {
            throw bad(value); // an IPv6 address needs its brackets, or the port could not be told apart
        } else {
            host = value.substring(0, colon);
            port = value.substring(colon + 1);
        }
        int p;
        try {
            p = Integer.parseInt(port);
        } catch (NumberFormatException e) {
            throw bad(value);
        }
        if (p < 0 || p > 65535)
            throw new TypeConversionException("port " + p + " is not in 0..65535 (0: any free port)");
        try {
            InetAddress address = host.isEmpty() ? InetAddress.getLoopbackAddress() : InetAddress.getByName(host);
            return new InetSocketAddress(address, p);
        } catch (UnknownHostException e) {
            throw new TypeConversionException("unknown host '" + host + "'");
        }
    }

    private static TypeConversionException bad(String value) {
        return new TypeConversionException("'" + value + "' is not HOST:PORT, [IPv6]:PORT or PORT");
    }
}
