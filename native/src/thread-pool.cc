#include "thread-pool.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <vector>

namespace mila {
namespace {

class Pool {
 public:
  Pool() {
    int n = static_cast<int>(std::thread::hardware_concurrency());
    if (const char* env = std::getenv("MILA_NUM_THREADS")) n = std::atoi(env);
    resize(std::max(1, n));
  }
  ~Pool() { stopAll(); }

  int size() {
    return static_cast<int>(workers_.size()) + 1;
  }

  void resize(int n) {
    std::lock_guard<std::mutex> busy(busy_);
    stopAll();
    stop_ = false;
    for (int i = 1; i < n; i++) workers_.emplace_back([this] { loop(); });
  }

  void run(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn) {
    if (n <= 0) return;
    grain = std::max<int64_t>(1, grain);
    int64_t chunks = (n + grain - 1) / grain;
    std::unique_lock<std::mutex> busy(busy_, std::try_to_lock);
    if (!busy.owns_lock() || workers_.empty() || chunks == 1) {
      fn(0, n);
      return;
    }
    // Several chunks per thread balance uneven work without making chunks tiny.
    int threads = size();
    int64_t target = std::min<int64_t>(chunks, static_cast<int64_t>(threads) * 4);
    int64_t step = (n + target - 1) / target;
    {
      std::lock_guard<std::mutex> lk(m_);
      job_ = &fn;
      jobN_ = n;
      jobStep_ = step;
      next_.store(0);
      pending_ = static_cast<int>(workers_.size());
      generation_++;
    }
    cv_.notify_all();
    work();
    std::unique_lock<std::mutex> lk(m_);
    done_.wait(lk, [this] { return pending_ == 0; });
    job_ = nullptr;
  }

 private:
  void work() {
    for (;;) {
      int64_t begin = next_.fetch_add(jobStep_);
      if (begin >= jobN_) return;
      (*job_)(begin, std::min(jobN_, begin + jobStep_));
    }
  }

  void loop() {
    uint64_t seen = 0;
    for (;;) {
      {
        std::unique_lock<std::mutex> lk(m_);
        cv_.wait(lk, [&] { return stop_ || generation_ != seen; });
        if (stop_) return;
        seen = generation_;
      }
      work();
      {
        std::lock_guard<std::mutex> lk(m_);
        if (--pending_ == 0) done_.notify_one();
      }
    }
  }

  void stopAll() {
    {
      std::lock_guard<std::mutex> lk(m_);
      stop_ = true;
    }
    cv_.notify_all();
    for (auto& t : workers_) t.join();
    workers_.clear();
  }

  std::vector<std::thread> workers_;
  std::mutex busy_;
  std::mutex m_;
  std::condition_variable cv_;
  std::condition_variable done_;
  const std::function<void(int64_t, int64_t)>* job_ = nullptr;
  int64_t jobN_ = 0;
  int64_t jobStep_ = 1;
  std::atomic<int64_t> next_{0};
  int pending_ = 0;
  uint64_t generation_ = 0;
  bool stop_ = false;
};

Pool& pool() {
  static Pool p;
  return p;
}

}  // namespace

void parallelFor(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn) { pool().run(n, grain, fn); }
int numThreads() { return pool().size(); }
void setNumThreads(int n) { pool().resize(std::max(1, n)); }

}  // namespace mila
