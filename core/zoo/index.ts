/** The official MLLA checkpoints and their download cache (Node: fetch and the file system). */
export { ZOO, ZOO_SOURCES, describeMetrics, type ZooEntry } from './zoo-entries.js';
export { fetchZooCheckpoint, isZooCached, zooCacheDir, zooEntry, zooPaths, zooUrl, ZOO_MIRROR_ENV, type FetchZooOptions, type ZooRecord } from './zoo-cache.js';
export { downloadResumable, sha256File, type DownloadOptions, type DownloadedFile } from './download.js';
