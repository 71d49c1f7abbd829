// `tessera eval <model>`: quality measured from pixels.
enum EvalCommand {
    static let command = Command(
        name: "eval",
        summary: "measure quality: vae (reconstruction PSNR/SSIM on held-out clips)",
        help: """
        usage: tessera eval vae [--count N] [--weights FILE] [--seed S] [--json]

        vae: encodes and decodes N held-out procedural-world clips (default 200; scenes from a seed
        never used in training) at 512x288 and 128x72 pixel counts, in aspect ratios 16:9, 9:16, 1:1
        and 4:3, as single images and 9- and 17-frame clips, and prints mean PSNR and SSIM per size
        and aspect ratio.
        """,
        run: { args in
            guard args.first == "vae" else { throw CommandError.usage("`tessera eval` needs a model: vae") }
            try EvalVAE.run(Array(args.dropFirst()))
        })
}
