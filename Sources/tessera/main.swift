// The `tessera` executable: everything lives in TesseraCommands so it can be tested.
import TesseraCommands
#if canImport(Glibc)
import Glibc
#endif

exit(Tessera.main(Array(CommandLine.arguments.dropFirst())))
