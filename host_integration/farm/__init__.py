"""`excolor farm`: colorize jobs for render-farm engines, as thin translations of one plan.

    excolor.hosts.farm.plan        plan_job(INPUT, OUTPUT, SHOTS, chunk) -> FarmJob (tasks =
                                   `excolor colorize --frames A-B --direction D` chunks, each
                                   depending on the previous chunk of its chain)
    excolor.hosts.farm.checks      the tasks checked before anything is written, as each
                                   `excolor colorize` task checks itself before its first frame
    excolor.hosts.farm.found_frames references with no frame, found once for the whole job
    excolor.hosts.farm.openjd      Open Job Description template (`openjd run`), whose job
                                   parameters are excolor.hosts.farm.openjd_parameters (the
                                   chunk size one of them: steps from the plan's chains, `colorize
                                   --chunk-of k:{{Param.ChunkSize}}`)
    excolor.hosts.farm.deadline    AWS Deadline Cloud job bundles (one, or one per N shots:
                                   excolor.hosts.farm.split)
    excolor.hosts.farm.opencue     OpenCue outline (opencue-pyoutline) and its XML job spec
    excolor.hosts.farm.ray_cluster Ray tasks on a cluster (or a local instance), each chunk's
                                   process and its log in excolor.hosts.farm.ray_chunk

Engines are imported only when used (each needs its own extra: pip install excolor[openjd],
excolor[opencue] or excolor[ray]; excolor[farm] for all).
Examples: docs/farm.md.
"""
