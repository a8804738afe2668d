package dev.finetuner.dataset;

import dev.finetuner.DatasetException;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * Bounds what a workbook may expand to before it is opened: an XLSX file is a zip, and a small zip can
 * hold a sheet or a string table of gigabytes (a zip bomb) that would exhaust the heap while it is read.
 * The sizes checked are those the zip's directory declares, which is what an honest bomb (and every
 * spreadsheet program) writes; a part whose declared size is forged is not caught here.
 */
final class XlsxLimits {
    /** The most one part (a sheet, the shared strings) may expand to. */
    static final long MAX_PART_BYTES = 256L << 20;
    /** The most the whole workbook may expand to. */
    static final long MAX_TOTAL_BYTES = 1L << 30;
    /** Above this ratio of expanded to compressed size (and 1 MB), a part is a zip bomb, not a sheet. */
    static final long MAX_RATIO = 200;

    private XlsxLimits() {
    }

    static void check(Path file) {
        long total = 0;
        try (ZipFile zip = new ZipFile(file.toFile())) {
            boolean workbook = false;
            for (Enumeration<? extends ZipEntry> entries = zip.entries(); entries.hasMoreElements(); ) {
                ZipEntry e = entries.nextElement();
                workbook |= e.getName().equals("xl/workbook.xml");
                long size = e.getSize();
                if (size < 0) {
                    continue; // not declared: the reader's own limits apply
                }
                total += size;
                boolean bomb = size > (1 << 20) && e.getCompressedSize() > 0 && size / e.getCompressedSize() > MAX_RATIO;
                if (size > MAX_PART_BYTES || bomb) {
                    throw refused(file, "its part " + e.getName() + " expands to " + (size >> 20) + " MB"
                            + (bomb ? " from " + (e.getCompressedSize() >> 10) + " KB" : ""));
                }
                if (total > MAX_TOTAL_BYTES) {
                    throw refused(file, "its parts expand to more than " + (MAX_TOTAL_BYTES >> 20) + " MB");
                }
            }
            if (!workbook) {
                throw new DatasetException("invalid_xlsx", file, 0, null, "is not an XLSX workbook: it is a zip file"
                        + " with no xl/workbook.xml; save it from a spreadsheet program as .xlsx, or as CSV");
            }
        } catch (ZipException e) {
            throw new DatasetException("invalid_xlsx", file, 0, null, "is not an XLSX workbook: it starts like a zip"
                    + " file but cannot be read as one (" + e.getMessage() + ")", e);
        } catch (IOException e) {
            throw new DatasetException("unreadable_file", file, 0, null, "cannot read the file: " + e.getMessage(), e);
        }
    }

    private static DatasetException refused(Path file, String what) {
        return new DatasetException("file_too_large", file, 0, null, "is refused: " + what + " (limits: "
                + (MAX_PART_BYTES >> 20) + " MB a part, " + (MAX_TOTAL_BYTES >> 30) + " GB in all, and no part"
                + " compressed more than " + MAX_RATIO + " to 1). Export the sheet as CSV, which is read as a stream");
    }
}
