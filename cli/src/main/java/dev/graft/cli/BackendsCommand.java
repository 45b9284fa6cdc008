package dev.graft.cli;

import dev.graft.Backends;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;

/** {@code graft backends}: every backend on the class path, whether it can run here, and why not. */
@Command(name = "backends", mixinStandardHelpOptions = true,
        description = "List the compute backends found, best first: which can run on this machine, which were skipped "
                + "and why, and which one 'auto' picks.")
final class BackendsCommand extends BaseCommand {

    @Override
    int run() {
        List<Backends.Candidate> all = Backends.discover();
        String override = System.getProperty(Backends.OVERRIDE_PROPERTY, System.getenv(Backends.OVERRIDE_ENV));
        String chosen = override != null && !override.isBlank() ? override.strip()
                : all.stream().filter(c -> c.availability().available()).map(Backends.Candidate::name).findFirst().orElse(null);
        if (json()) {
            List<Map<String, Object>> list = new ArrayList<>();
            for (Backends.Candidate c : all) {
                Map<String, Object> m = Json.object();
                m.put("name", c.name());
                m.put("priority", c.priority());
                m.put("available", c.availability().available());
                m.put("detail", c.availability().reason());
                list.add(m);
            }
            Map<String, Object> j = Json.object();
            j.put("backends", list);
            j.put("auto", chosen);
            j.put("override", override);
            out().println(Json.write(j));
            return 0;
        }
        Tables t = new Tables("backend", " priority", "status", "detail");
        for (Backends.Candidate c : all) {
            t.row(c.name(), c.priority(), c.availability().available() ? "available" : "skipped", c.availability().reason());
        }
        out().print(t);
        if (override != null && !override.isBlank()) {
            out().println("override: " + Backends.OVERRIDE_ENV + "/-D" + Backends.OVERRIDE_PROPERTY + " = " + override);
        }
        out().println(chosen == null ? "no backend can run here" : "auto picks: " + chosen
                + " (choose another with --backend NAME or GRAFT_BACKEND=NAME)");
        return 0;
    }
}
