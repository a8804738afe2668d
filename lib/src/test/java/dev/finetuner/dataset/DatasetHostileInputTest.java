package dev.finetuner.dataset;

import dev.finetuner.DatasetException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Files built to hurt the reader are refused with a clear error before they can exhaust the heap. */
class DatasetHostileInputTest {
    @TempDir
    Path dir;

    private Path zip(String name, String[] entries, long[] sizes) throws IOException {
        Path file = dir.resolve(name);
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(file))) {
            byte[] block = new byte[1 << 16];
            java.util.Arrays.fill(block, (byte) 'a');
            for (int i = 0; i < entries.length; i++) {
                zip.putNextEntry(new ZipEntry(entries[i]));
                for (long left = sizes[i]; left > 0; left -= block.length) {
                    zip.write(block, 0, (int) Math.min(block.length, left));
                }
                zip.closeEntry();
            }
        }
        return file;
    }

    private static void read(Path file) {
        try (var examples = Dataset.read(file).stream(issue -> { })) {
            examples.forEach(e -> { });
        }
    }

    @Test
    void a_zip_of_other_files_named_xlsx_is_not_an_xlsx_workbook() throws IOException {
        Path file = zip("tickets.xlsx", new String[] {"notes.txt", "photo.jpg"}, new long[] {100, 200});

        assertThatThrownBy(() -> read(file)).isInstanceOf(DatasetException.class)
                .hasMessageContaining("tickets.xlsx").hasMessageContaining("not an XLSX workbook");
    }

    @Test
    void a_workbook_whose_string_table_is_a_zip_bomb_is_refused_before_it_is_inflated() throws IOException {
        // given: 40 MB of one letter, compressed about a thousand to one
        Path file = zip("tickets.xlsx", new String[] {"xl/workbook.xml", "xl/sharedStrings.xml"}, new long[] {10, 40L << 20});

        assertThatThrownBy(() -> read(file)).isInstanceOf(DatasetException.class)
                .hasMessageContaining("xl/sharedStrings.xml expands to 40 MB").hasMessageContaining("Export the sheet as CSV");
    }

    @Test
    void a_workbook_part_beyond_the_size_limit_is_refused() throws IOException {
        // given: a sheet that declares 300 MB (made of incompressible-looking data would be slow; the limit is on the size)
        Path file = zip("big.xlsx", new String[] {"xl/workbook.xml", "xl/worksheets/sheet1.xml"}, new long[] {10, 300L << 20});

        assertThatThrownBy(() -> read(file)).isInstanceOf(DatasetException.class)
                .hasMessageContaining("expands to 300 MB");
    }

    @Test
    void a_json_object_of_columns_too_large_to_hold_is_refused_saying_to_write_jsonl() throws IOException {
        // given: 33 MB of pandas' columns layout ({"prompt": {"0": ...}, "completion": {...}})
        Path file = dir.resolve("tickets.json");
        try (OutputStream out = Files.newOutputStream(file)) {
            out.write("{\"prompt\":{".getBytes(StandardCharsets.US_ASCII));
            String row = "\"%d\":\"" + "x".repeat(1000) + "\"";
            for (int i = 0; i < 33 * 1024; i++) {
                out.write(((i == 0 ? "" : ",") + row.formatted(i)).getBytes(StandardCharsets.US_ASCII));
            }
            out.write("},\"completion\":{}}".getBytes(StandardCharsets.US_ASCII));
        }

        assertThatThrownBy(() -> read(file)).isInstanceOf(DatasetException.class)
                .hasMessageContaining("tickets.json").hasMessageContaining("limit for that is 32 MB")
                .hasMessageContaining("lines=True");
    }
}
