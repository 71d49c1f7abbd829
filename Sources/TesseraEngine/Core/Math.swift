// libm entry points, named so that generic code can reach them without importing Foundation everywhere.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@inline(__always) func Foundation_log(_ x: Double) -> Double { log(x) }
@inline(__always) func Foundation_cos(_ x: Double) -> Double { cos(x) }
@inline(__always) func Foundation_sin(_ x: Double) -> Double { sin(x) }
