import Exec
import Foundation

/// git run on a workspace through a repository of Talaria's own: `--git-dir` is the shadow,
/// `--work-tree` the workspace. The user's `.git` — index, refs, stash, hooks, config — is never
/// read or written (git never descends into a `.git` directory of a work tree, and the shadow's
/// own index is the only index used).
struct ShadowGit: Sendable {
    let gitDir: String
    let workTree: String

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Settings that keep the user's configuration out of the way: no fsmonitor hook, no line-ending
    /// conversion, no automatic gc in the middle of a turn, no advice on stderr.
    static let flags = ["-c", "core.fsmonitor=false", "-c", "core.autocrlf=false", "-c", "core.safecrlf=false", "-c", "core.quotepath=false",
                        "-c", "gc.auto=0", "-c", "advice.addEmbeddedRepo=false", "-c", "core.hooksPath=/dev/null", "-c", "commit.gpgsign=false",
                        "-c", "core.longpaths=true", "-c", "maintenance.auto=false",
                        // No fsync per object: a first snapshot of 10,000 files takes 1 s, not 5. A
                        // killed process loses nothing (the page cache has it); only a machine that
                        // loses power may lose its latest checkpoints, never the workspace.
                        "-c", "core.fsync=none"]

    /// The user's GIT_* variables are dropped (a GIT_DIR or GIT_INDEX_FILE of theirs must not
    /// reach their repository through us).
    func environment(bound: Bool = true) -> [String: String] {
        var env = ProcessInfo.processInfo.environment
        for key in env.keys where key.hasPrefix("GIT_") { env[key] = nil }
        if bound {
            env["GIT_DIR"] = gitDir
            env["GIT_WORK_TREE"] = workTree
        }
        env["GIT_AUTHOR_NAME"] = "Talaria"
        env["GIT_AUTHOR_EMAIL"] = "checkpoints@talaria.invalid"
        env["GIT_COMMITTER_NAME"] = "Talaria"
        env["GIT_COMMITTER_EMAIL"] = "checkpoints@talaria.invalid"
        env["GIT_TERMINAL_PROMPT"] = "0"
        return env
    }

    /// Runs `git ARGS`; stdout on success, else the failure with git's message.
    @discardableResult
    func run(_ args: [String], input: Data = Data(), allowFailure: Bool = false, bound: Bool = true) async throws(Failure) -> String {
        let result: Captured
        do {
            result = try await Capture.run(["git"] + Self.flags + args, environment: environment(bound: bound), cwd: workTree, input: input, timeout: 120)
        } catch {
            throw Failure(description: "cannot run git: \(error.message)")
        }
        guard result.exitCode == 0 || allowFailure else {
            throw Failure(description: "git \(args.first ?? "") failed: \(result.errorText.isEmpty ? "exit \(result.status)" : result.errorText)")
        }
        return String(decoding: result.stdout, as: UTF8.self)
    }

    /// Creates the shadow repository if it is not there yet.
    func create(excluding: [String]) async throws(Failure) {
        let fm = FileManager.default
        guard !fm.fileExists(atPath: gitDir + "/HEAD") else { return }
        do { try fm.createDirectory(atPath: gitDir, withIntermediateDirectories: true) } catch {
            throw Failure(description: "cannot create \(gitDir): \(error.localizedDescription)")
        }
        _ = try await run(["init", "-q", "--bare", gitDir], bound: false)
        _ = try await run(["config", "core.bare", "false"])
        try? fm.createDirectory(atPath: gitDir + "/info", withIntermediateDirectories: true)
        let exclude = (["# Talaria's checkpoints: what a snapshot leaves out besides .gitignore rules"] + excluding).joined(separator: "\n") + "\n"
        _ = fm.createFile(atPath: gitDir + "/info/exclude", contents: Data(exclude.utf8))
        _ = fm.createFile(atPath: gitDir + "/workspace", contents: Data((workTree + "\n").utf8))
    }
}
