package dev.finetuner.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.finetuner.service.FileInfo;
import dev.finetuner.service.OpenAiConnection;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;

/** {@code finetuner upload FILE}: a JSONL file to the Files API, reused when identical. */
@Command(name = "upload", mixinStandardHelpOptions = true,
        description = "Upload a JSONL file for fine-tuning (large files in parts; an identical file is reused).")
final class UploadCommand extends ApiCommand {
    @Parameters(paramLabel = "FILE", description = "The JSONL file, e.g. one written by prepare --out.")
    Path file;

    @Option(names = "--no-reuse", description = "Upload even if an identical file is there already.")
    boolean noReuse;

    @Option(names = "--json", description = "Print the uploaded file as one JSON object.")
    boolean json;

    @Override
    int run(OpenAiConnection c) {
        var options = dev.finetuner.service.UploadOptions.defaults();
        FileInfo f = c.files().upload(file, noReuse ? options.withoutReuse() : options);
        ObjectNode o = CliJson.object().put("id", f.id()).put("filename", f.filename()).put("bytes", f.bytes())
                .put("purpose", f.purpose()).put("status", f.status()).put("createdAt", f.createdAt().toString());
        f.statusDetails().ifPresent(d -> o.put("statusDetails", d));
        out().println(json ? CliJson.json(o) : f.id() + "  " + f.filename() + "  " + f.bytes() + " bytes  " + f.status());
        return 0;
    }
}
