// The consumer resolved, at run time, exactly the artifacts and versions finetuner's own build tests with.
def key = { String line -> line.trim().replaceAll(/ -- .*$/, '').replaceAll(/:(compile|runtime)$/, '') }
def read = { File f -> f.readLines().findAll { it.startsWith('   ') && it.contains(':jar:') }.collect(key) as TreeSet }

def expected = read(new File(basedir, '../../finetuner-runtime-dependencies.txt'))
def resolved = read(new File(basedir, 'target/resolved.txt'))
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
println "consumer resolves the ${expected.size()} artifacts finetuner is built and tested with"
return true
