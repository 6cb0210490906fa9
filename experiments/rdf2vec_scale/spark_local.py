"""Issue 23, "a small real run on 2 local workers": DISTRIBUTED.md's walk + Word2Vec design as one Spark job in
local mode (`local[2]`: two executor threads in one JVM, on this 2-core machine), beside the repository's own
path (NumPy walks + gensim, embedding.py's `fast` variant) on the same graph, in the same run. Optional extra:
`pip install -e ".[spark]"` (pyspark; Java 17 on PATH); nothing on the default path imports this file.

    .venv/bin/python experiments/rdf2vec_scale/spark_local.py --graphs synthetic_10k synthetic_100k

The job:
1. walks: the entity ids, sorted, go into `--partitions` contiguous slices (partitioned by subject); the CSR
   adjacency (`WalkGraph`) is broadcast once; each partition runs the repository's own `walks.random_walks`
   on its entities (mapPartitions), seeded by (seed, partition index), so the walk semantics are the fast
   engine's: forward, uniform hops, depth and walks per entity as configured, distinct per entity. The walks
   are cached as a DataFrame of token arrays (the same token words as the gensim path).
2. MLlib `Word2Vec` on that DataFrame (skip-gram, vector size, window, epochs, min count from the config).
3. `prodcat.graph.intrinsic.sibling_at_k` on the category vectors (measure.intrinsic, as embedding.py does).
Each Spark measurement runs in a fresh process (the JVM with it); peak memory is the process tree's PSS
(Python driver + JVM + Python workers) sampled every 0.25 s, plus the JVM's own high-water RSS (VmHWM).
Records (`"issue": 23`) are appended to spark_results.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from embedding import record, variants
from measure import SCALING, intrinsic, load_graph, measure, tree_pss_mb
from run import HERE, STUDY, machine

from prodcat import studies
from prodcat.graph import walks
from prodcat.graph.rdf2vec import resolve_settings

OUT = HERE / "spark_results.json"


def session(cores: int = 2, driver_memory: str = "2g"):
    """A local-mode SparkSession: `cores` executor threads inside the driver JVM, no UI, loopback only."""
    from pyspark.sql import SparkSession

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)  # workers import prodcat from this venv
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    spark = (SparkSession.builder.master(f"local[{cores}]").appName("prodcat-rdf2vec-spark-local")
             .config("spark.driver.memory", driver_memory)  # read at JVM start: the builder launches it
             .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
             .config("spark.sql.shuffle.partitions", str(cores))
             .config("spark.driver.bindAddress", "127.0.0.1").getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def spark_walks(spark, graph: walks.WalkGraph, entity_ids: np.ndarray, settings: dict, seed: int, partitions: int):
    """DataFrame `walk: array<string>`, one row per walk, tokens as `walks.token_words` (gensim's words)."""
    n_tokens = graph.n_nodes + len(graph.predicates)
    bc = spark.sparkContext.broadcast(graph)  # the whole adjacency, once per executor (DISTRIBUTED.md step 2)
    depth, per_entity = settings["max_depth"], settings["max_walks"]

    def walk_partition(index, ids):
        starts = np.fromiter(ids, np.int64)
        if len(starts) == 0:
            return
        # The repository's walk function on this partition's entities; default_rng takes the [seed, index]
        # pair, so every partition draws its own seeded stream (not the single-process stream: the walks are
        # as random and as distinct, not the same rows).
        w = walks.random_walks(bc.value, starts, depth, per_entity, seed=[seed, index])  # (W, L) -1 padded
        words = np.asarray(walks.token_words(np.arange(n_tokens), n_tokens), dtype=object)  # token id -> word
        for row in w:
            yield (words[row[row >= 0]].tolist(),)

    ids = sorted(int(i) for i in entity_ids)  # parallelize slices contiguously: partitioned by subject id
    rdd = spark.sparkContext.parallelize(ids, partitions).mapPartitionsWithIndex(walk_partition)
    return spark.createDataFrame(rdd, "walk array<string>")


def mllib_word2vec(walks_df, settings: dict, seed: int, partitions: int) -> dict[str, np.ndarray]:
    """MLlib Word2Vec on the walks; word -> vector. What it cannot match of gensim's settings is in the README
    ("A real run on 2 local workers"): hierarchical softmax instead of negative sampling, no subsampling."""
    from pyspark.ml.feature import Word2Vec

    w2v = Word2Vec(vectorSize=settings["vector_size"], windowSize=settings["window"], minCount=1,
                   maxIter=settings["epochs"], numPartitions=partitions, seed=seed, stepSize=0.025,  # gensim's alpha
                   maxSentenceLength=1 + 2 * settings["max_depth"],  # a walk is never split or joined
                   inputCol="walk")
    model = w2v.fit(walks_df)
    return {r.word: r.vector.toArray().astype(np.float32) for r in model.getVectors().collect()}


def child(spec: dict) -> dict:
    """One measured Spark run (fresh process): graph, CSR, Spark session, walks, Word2Vec, sibling@5."""
    import pyspark

    kg, build_s = load_graph(spec["graph"])
    t0 = time.perf_counter()
    wg = kg.walk_graph()
    ids = wg.ids(kg.subjects())  # every node with an out-edge (embedding.py's `entities: all`), as CSR ids
    kg_load_s = time.perf_counter() - t0
    settings = resolve_settings(spec["settings"])
    t = time.perf_counter()
    spark = session(spec["cores"], spec["driver_memory"])
    start_s = time.perf_counter() - t
    from pyspark.sql import functions as F

    t = time.perf_counter()
    df = spark_walks(spark, wg, ids, settings, spec["seed"], spec["partitions"]).cache()
    stats = df.select(F.count("*").alias("n"), F.sum(F.size("walk")).alias("tokens"),
                      F.sum((F.size("walk") < 1 + 2 * settings["max_depth"]).cast("int")).alias("short")).first()
    walks_s = time.perf_counter() - t  # the walk job, materialised into the cache
    t = time.perf_counter()
    vec = mllib_word2vec(df, settings, spec["seed"], spec["w2v_partitions"])
    word2vec_s = time.perf_counter() - t
    java = spark.sparkContext._jvm.java.lang.System.getProperty("java.version")
    jvm_pid = spark.sparkContext._gateway.proc.pid
    jvm_hwm_mb = next(int(ln.split()[1]) for ln in Path(f"/proc/{jvm_pid}/status").read_text().splitlines()
                      if ln.startswith("VmHWM:")) / 1024
    spark_version = spark.version
    spark.stop()
    n_tokens = wg.n_nodes + len(wg.predicates)
    names = wg.tokens()
    vectors = {names[int(w)]: v for w, v in vec.items()}  # word -> its token id -> node name
    missing = len(ids) - sum(1 for i in walks.token_words(ids, n_tokens) if i in vec)
    return {"graph_build_s": build_s, "kg_load_s": kg_load_s, "spark_start_s": start_s, "walks_s": walks_s,
            "word2vec_s": word2vec_s, "n_walks": stats["n"], "corpus_tokens": stats["tokens"],
            "short_walks": stats["short"], "n_entities": len(ids), "entities_without_vector": missing,
            "n_triples": len(kg.triples), "intrinsic": intrinsic(spec["graph"], kg, vectors),
            "driver_maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "jvm_hwm_mb": jvm_hwm_mb,
            "versions": {"pyspark": pyspark.__version__, "spark": spark_version, "java": java}}


def run_child(spec: dict, timeout: float) -> dict:
    """`child(spec)` in a fresh process; its tree's PSS sampled every 0.25 s (measure.measure's way)."""
    load = [round(x, 2) for x in os.getloadavg()]
    t = time.perf_counter()
    proc = subprocess.Popen([sys.executable, __file__, "--child", json.dumps(spec)], cwd=studies.ROOT,
                            stdout=subprocess.PIPE, text=True, start_new_session=True)
    peak = 0.0
    while proc.poll() is None and time.perf_counter() - t < timeout:
        peak = max(peak, tree_pss_mb(proc.pid))
        time.sleep(0.25)
    if proc.poll() is None:
        os.killpg(proc.pid, 9)  # the child, its JVM and the JVM's Python workers: nothing else
        proc.communicate()
        return {"timed_out": True, "wall_s": time.perf_counter() - t, "load_avg": load}
    out, _ = proc.communicate()
    if proc.returncode != 0:
        raise RuntimeError(f"spark child {spec} failed with exit code {proc.returncode}")
    return {**json.loads(out.strip().splitlines()[-1]), "wall_s": time.perf_counter() - t, "load_avg": load,
            "tree_pss_peak_mb": peak}


def spark_record(name: str, spec: dict, res: dict, command: str) -> dict:
    s = resolve_settings(spec["settings"])
    rec = {"study": STUDY, "issue": 23, "dataset": spec["graph"], "variant": name, "seed": spec["seed"],
           "split": None, "entities": "all", "path": "spark_local",
           "settings": {"engine": "spark_mllib", **{k: s[k] for k in ("max_depth", "max_walks", "vector_size",
                                                                       "window", "epochs")},
                        "mllib": "skip-gram, hierarchical softmax, no subsampling, minCount 1",
                        "master": f"local[{spec['cores']}]", "driver_memory": spec["driver_memory"],
                        "walk_partitions": spec["partitions"], "word2vec_partitions": spec["w2v_partitions"]}}
    if res.get("timed_out"):
        rec.update(timed_out=True, metrics={}, seconds=round(res["wall_s"], 1))
    else:
        seconds = res["kg_load_s"] + res["walks_s"] + res["word2vec_s"]  # embedding.py's `seconds`, minus imports
        rec.update(metrics={"seconds": round(seconds, 2), "walks_s": round(res["walks_s"], 2),
                            "word2vec_s": round(res["word2vec_s"], 2), "spark_start_s": round(res["spark_start_s"], 2),
                            "wall_s": round(res["wall_s"], 1), "peak_mb": round(res["tree_pss_peak_mb"], 1),
                            "sibling_at_5": round(res["intrinsic"]["sibling_at_5"], 4)},
                   seconds=round(seconds, 2), n_entities=res["n_entities"], n_walks=res["n_walks"],
                   corpus_tokens=res["corpus_tokens"], short_walks=res["short_walks"],
                   entities_without_vector=res["entities_without_vector"], n_triples=res["n_triples"],
                   intrinsic={k: round(v, 4) if isinstance(v, float) else v for k, v in res["intrinsic"].items()},
                   driver_maxrss_mb=round(res["driver_maxrss_mb"], 1), jvm_hwm_mb=round(res["jvm_hwm_mb"], 1),
                   tree_pss_peak_mb=round(res["tree_pss_peak_mb"], 1), wall_s=round(res["wall_s"], 1),
                   versions=res["versions"])
    rec.update(load_avg=res["load_avg"], command=command, commit=studies.git_commit(), machine=machine(),
               date=dt.date.today().isoformat())
    return rec


def save(rec: dict) -> None:
    records = json.loads(OUT.read_text()) if OUT.exists() else []
    OUT.write_text(json.dumps([*records, rec], indent=1) + "\n")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--graphs", nargs="+", default=["synthetic_10k"], choices=list(SCALING))
    p.add_argument("--w2v-partitions", nargs="+", type=int, default=[1, 2],
                   help="MLlib Word2Vec numPartitions, one Spark run each (2: both threads train, averaged)")
    p.add_argument("--partitions", type=int, default=2, help="entity partitions of the walk job")
    p.add_argument("--no-gensim", action="store_true", help="skip the repository's path beside it")
    p.add_argument("--timeout", type=float, default=540)
    p.add_argument("--child", help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.child:
        print(json.dumps(child(json.loads(a.child))), flush=True)
        return
    command = " ".join(["python", *sys.argv])
    fast = {k: v for k, v in variants()["fast_w5e5"].items() if k != "engine"}  # gensim, 5 walks x 5 epochs
    for graph in a.graphs:
        if not a.no_gensim:  # the repository's path, embedding.py's measurement (fresh process, workers 2)
            spec = {"graph": graph, "engine": "fast", "workers": 2, "n_jobs": 1, "entities": "all",
                    "path": "int_triples", "sample": None, "settings": fast, "intrinsic": True}
            rec = record("gensim_fast", spec, measure(spec, a.timeout), command)
            save(rec)
            print(json.dumps({k: rec[k] for k in ("dataset", "variant", "metrics")}), flush=True)
        for w2v_parts in a.w2v_partitions:
            spec = {"graph": graph, "settings": {"engine": "fast", **fast}, "seed": 0, "cores": 2,
                    "driver_memory": "2g", "partitions": a.partitions, "w2v_partitions": w2v_parts}
            name = "spark_local2" if w2v_parts == 2 else f"spark_local2_w2v{w2v_parts}part"
            rec = spark_record(name, spec, run_child(spec, a.timeout), command)
            save(rec)
            print(json.dumps({k: rec.get(k) for k in ("dataset", "variant", "metrics", "versions")}), flush=True)


if __name__ == "__main__":
    main()
