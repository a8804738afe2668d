// The consumer resolved, at run time, exactly the artifacts and versions finetuner's own build tests with,
// except finetuner's optional dependencies (Micrometer and what it brings), which it must not resolve at all.
def key = { String line -> line.trim().replaceAll(/ -- .*$/, '').replaceAll(/ \(optional\)$/, '').replaceAll(/:(compile|runtime)$/, '') }
def lines = { File f -> f.readLines().findAll { it.startsWith('   ') && it.contains(':jar:') } }
def read = { File f -> lines(f).collect(key) as TreeSet }

File ours = new File(basedir, '../../finetuner-runtime-dependencies.txt')
// What users do not get: every artifact of the dependency tree that sits under an optional dependency
// (the list marks the optional dependency itself but not always what it brings, e.g. jspecify).
def optional = new TreeSet()
def underOptional = []
new File(basedir, '../../finetuner-runtime-dependency-tree.txt').readLines().drop(1).each { line ->
    int start = line.indexOf(line.find(/[A-Za-z0-9]/))
    int level = start.intdiv(3) - 1 // the library's own dependencies are level 0
    String artifact = line.substring(start)
    underOptional = underOptional.take(level) + [artifact.contains('(optional)') || (level > 0 && underOptional[level - 1])]
    if (underOptional[level]) {
        optional << key(artifact.replaceAll(/ \(.*\)$/, ''))
    }
}
if (!optional.any { it.startsWith('io.micrometer:micrometer-core:jar:') }) {
    throw new AssertionError("finetuner's dependency tree shows no optional micrometer-core: either it is no longer"
        + " optional (every user would get Micrometer) or the tree's format changed and this check went blind."
        + " Optional: " + optional)
}
def expected = read(ours) - optional
def resolved = read(new File(basedir, 'target/resolved.txt'))
def leaked = resolved.findAll { r -> optional.any { o -> r.startsWith(o.substring(0, o.indexOf(':jar:') + 5)) } }
if (leaked) {
    throw new AssertionError("a user's build resolves finetuner's optional dependencies, which it must add itself"
        + " if it wants them: " + leaked)
}
resolved.removeIf { it.startsWith('dev.finetuner:finetuner:') }

// Known, harmless differences: our build takes these versions from a test dependency (wiremock's guava),
// which users do not have. error_prone_annotations holds annotations only, never loaded at run time.
def testOnly = ['com.google.errorprone:error_prone_annotations:jar:']
[expected, resolved].each { set -> set.removeIf { a -> testOnly.any { a.startsWith(it) } } }

def missing = expected - resolved
def unexpected = resolved - expected
if (missing || unexpected) {
    throw new AssertionError("a user's build resolves other versions than finetuner's own build.\n"
        + "finetuner tested with, the user lacks: " + missing + "\nthe user gets instead: " + unexpected)
}
println "consumer resolves the ${expected.size()} artifacts finetuner is built and tested with, and none of its ${optional.size()} optional ones"
return true
