// `tessera eval <model>`: quality measured from pixels.
enum EvalCommand {
    static let command = Command(
        name: "eval",
        summary: "measure quality: generated videos judged from pixels (dit, the default), or vae reconstruction",
        help: EvalDiT.help + """


        usage: tessera eval vae [--count N] [--weights FILE] [--seed S] [--json]

        vae: encodes and decodes N held-out procedural-world clips (default 200; scenes from a seed
        never used in training) at 512x288 and 128x72 pixel counts, in aspect ratios 16:9, 9:16, 1:1
        and 4:3, as single images and 9- and 17-frame clips, and prints mean PSNR and SSIM per size
        and aspect ratio.

        """ + EvalVAEJudged.help + "\n\n" + EvalDenoise.help + "\n\n" + EvalShapeProbe.help,
        run: { args in
            switch args.first {
            case "vae" where args.contains("--judged"): try EvalVAEJudged.run(Array(args.dropFirst()))
            case "vae": try EvalVAE.run(Array(args.dropFirst()))
            case "denoise": try EvalDenoise.run(Array(args.dropFirst()))
            case "shapes": try EvalShapeProbe.run(Array(args.dropFirst()))
            case "dit": try EvalDiT.run(Array(args.dropFirst()))
            default: try EvalDiT.run(args)
            }
        })
}
