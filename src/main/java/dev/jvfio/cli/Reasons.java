package dev.jvfio.cli;

import dev.jvfio.os.NativeException;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.util.Locale;

/**
 * The reason an I/O failure gives, as the end of a sentence: "permission denied", "read-only file
 * system". The JDK's file exceptions carry only the path as their message when the reason is their
 * type, which makes "cannot read F: F"; this says why instead.
 */
final class Reasons {
    private Reasons() {}

    static String of(Throwable e) {
        String reason = switch (e) {
            case NativeException n -> n.reason();
            case AccessDeniedException a -> "permission denied";
            case NoSuchFileException n -> "no such file or directory";
            case NotDirectoryException n -> "not a directory";
            case FileAlreadyExistsException f -> "it already exists";
            case FileSystemException f when f.getReason() != null -> f.getReason();
            case CharacterCodingException c -> "it is not UTF-8 text";
            case IOException io when io.getMessage() != null -> io.getMessage();
            default -> e.getClass().getSimpleName();
        };
        return reason.isEmpty() ? reason : reason.substring(0, 1).toLowerCase(Locale.ROOT) + reason.substring(1);
    }
}
