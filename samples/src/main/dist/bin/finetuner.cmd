@echo off
rem finetuner: runs the finetuner command line, finetuner.jar in the directory above this script.
rem Put this directory on PATH. JAVA_HOME picks the Java (17 or later; default: java on PATH) and
rem JAVA_OPTS passes options to it, e.g. set JAVA_OPTS=-Xmx512m.
setlocal
set "FINETUNER_JAR=%~dp0..\finetuner.jar"
if exist "%FINETUNER_JAR%" goto run
echo finetuner: %FINETUNER_JAR% is missing: build it with mvn package, or keep this script in bin next to it 1>&2
exit /b 1
:run
set "JAVA_EXE=java"
if defined JAVA_HOME set "JAVA_EXE=%JAVA_HOME%\bin\java"
"%JAVA_EXE%" %JAVA_OPTS% -jar "%FINETUNER_JAR%" %*
exit /b %ERRORLEVEL%
