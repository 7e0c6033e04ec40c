import Foundation
import SessionHost

/// Turns SIGINT into an interrupt; a second Ctrl-C exits at once.
final class InterruptHandler: @unchecked Sendable {
    private let source: any DispatchSourceSignal
    private var count = 0

    init(onInterrupt: @escaping @Sendable () -> Void) {
        signal(SIGINT, SIG_IGN)
        source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        source.setEventHandler { [unowned(unsafe) self] in
            self.count += 1
            if self.count > 1 { _exit(ExitStatus.interrupted.rawValue) }
            printError("\ninterrupting… (Ctrl-C again to quit now)")
            onInterrupt()
        }
        source.resume()
    }

    deinit { source.cancel() }
}
