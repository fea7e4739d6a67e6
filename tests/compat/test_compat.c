/* SPDX-License-Identifier: MIT */
/*
 * test_compat.c - libdlmfs-compat.so against a live two-node dlmfs-fuse it
 * mounts itself: every overridden call on a dlmfs-fuse file, the same
 * calls untouched on tmpfs (/dev/shm) and on the fs holding /tmp, the
 * capabilities file, a cold cache hit from many threads, and errno.
 *
 * The program re-executes itself with the library in LD_PRELOAD (beside
 * it: BUILD/tests/test_compat -> BUILD/libdlmfs-compat.so, BUILD/dlmfs-fuse;
 * or $DLMFS_COMPAT_SO, $DLMFS_FUSE). Without /dev/fuse or fusermount3
 * the tests needing a mount are skipped, with the reason.
 */
#undef _FORTIFY_SOURCE
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "compat.h"

/* glibc's fortified open, exported by libc and by the library */
int __open_2(const char *path, int flags);

#define TMPFS_MAGIC	0x01021994u
#define MARK		"DLMFS_COMPAT_TEST_CHILD"

static char so[PATH_MAX + 32], fuse[PATH_MAX + 32], dir[64], n1[80], n2[80],
	    lk[112], shm[96];
static const char *why_skip;
static pid_t daemon_pid = -1;

/* ---- the mount ---- */
static uint32_t raw_magic(const char *path)
{
	struct statfs sf;

	if (syscall(SYS_statfs, path, &sf))
		return 0;
	return (uint32_t)sf.f_type;
}

static void stop_daemon(void)
{
	if (daemon_pid <= 0)
		return;
	kill(daemon_pid, SIGTERM);
	for (int i = 0; i < 100 && waitpid(daemon_pid, NULL, WNOHANG) == 0; i++)
		usleep(100000);
	kill(daemon_pid, SIGKILL);
	waitpid(daemon_pid, NULL, 0);
	daemon_pid = -1;
	for (int i = 0; i < 2; i++) {
		const char *m = i ? n2 : n1;

		if (raw_magic(m) != COMPAT_FUSE_MAGIC)
			continue;
		if (!fork()) {
			execlp("fusermount3", "fusermount3", "-u", "-z", m,
			       (char *)NULL);
			_exit(127);
		}
		wait(NULL);
	}
}

static int start_daemon(void)
{
	snprintf(dir, sizeof(dir), "/tmp/test-compat.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(n1, sizeof(n1), "%s/n1", dir);
	snprintf(n2, sizeof(n2), "%s/n2", dir);
	if (mkdir(n1, 0755) || mkdir(n2, 0755))
		return -1;
	daemon_pid = fork();
	if (!daemon_pid) {
		unsetenv("LD_PRELOAD");
		execl(fuse, "dlmfs-fuse", "-f", n1, n2, (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 100; i++) {
		if (raw_magic(n1) == COMPAT_FUSE_MAGIC &&
		    raw_magic(n2) == COMPAT_FUSE_MAGIC)
			return 0;
		if (waitpid(daemon_pid, NULL, WNOHANG) == daemon_pid) {
			daemon_pid = -1;
			return -1;
		}
		usleep(100000);
	}
	return -1;
}

static int group_setup(void **state)
{
	(void)state;
	if (why_skip)
		return 0;
	if (start_daemon()) {
		fprintf(stderr, "test_compat: %s did not mount %s\n", fuse, n1);
		stop_daemon();
		return -1;
	}
	snprintf(lk, sizeof(lk), "%s/dom/lk", n1);
	snprintf(shm, sizeof(shm), "/dev/shm/test-compat.%d", (int)getpid());
	if (mkdir(shm, 0755) && errno != EEXIST)
		return -1;
	return 0;
}

static int group_teardown(void **state)
{
	char p[128];

	(void)state;
	stop_daemon();
	rmdir(n1);
	rmdir(n2);
	rmdir(dir);
	snprintf(p, sizeof(p), "%s/f", shm);
	unlink(p);
	rmdir(shm);
	return 0;
}

#define NEED_MOUNT() do { if (why_skip) { print_message("skip: %s\n", \
		why_skip); skip(); } } while (0)

/* a domain and a lock file on n1 (each test starts clean) */
static int setup_lock(void **state)
{
	char d[96];
	int fd;

	(void)state;
	if (why_skip)
		return 0;
	snprintf(d, sizeof(d), "%s/dom", n1);
	if (mkdir(d, 0755) && errno != EEXIST)
		return -1;
	fd = open(lk, O_RDWR | O_CREAT, 0644);
	return fd < 0 ? -1 : close(fd);
}

static int teardown_lock(void **state)
{
	char d[96];

	(void)state;
	if (why_skip)
		return 0;
	snprintf(d, sizeof(d), "%s/dom", n1);
	unlink(lk);
	rmdir(d);
	return 0;
}

/* ---- statfs ---- */
static void test_statfs(void **state)
{
	struct statfs sf;
	struct statfs64 sf64;
	int fd;

	(void)state;
	NEED_MOUNT();
	assert_int_equal(raw_magic(n1), COMPAT_FUSE_MAGIC);
	errno = EILSEQ;
	assert_int_equal(statfs(n1, &sf), 0);
	assert_int_equal(errno, EILSEQ);	/* untouched on success */
	assert_int_equal((uint32_t)sf.f_type, COMPAT_DLMFS_MAGIC);
	assert_int_equal(sf.f_namelen, 255);
	assert_int_equal(statfs64(lk, &sf64), 0);
	assert_int_equal((uint32_t)sf64.f_type, COMPAT_DLMFS_MAGIC);
	fd = open(n2, O_RDONLY | O_DIRECTORY);
	assert_true(fd >= 0);
	assert_int_equal(fstatfs(fd, &sf), 0);
	assert_int_equal((uint32_t)sf.f_type, COMPAT_DLMFS_MAGIC);
	assert_int_equal(fstatfs64(fd, &sf64), 0);
	assert_int_equal((uint32_t)sf64.f_type, COMPAT_DLMFS_MAGIC);
	close(fd);
	/* failures are libc's */
	assert_int_equal(statfs("/nonexistent/x", &sf), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(fstatfs(-1, &sf), -1);
	assert_int_equal(errno, EBADF);
}

/* ---- open: O_APPEND dropped (O5) ---- */
static void assert_no_append(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	assert_true(fl >= 0);
	assert_int_equal(fl & O_APPEND, 0);
	/* writes land where the position is (0), not at i_size (64) */
	assert_int_equal(write(fd, "ab", 2), 2);
	close(fd);
}

static void test_open_append(void **state)
{
	FILE *f;
	int fd;

	(void)state;
	NEED_MOUNT();
	assert_no_append(open(lk, O_RDWR | O_APPEND));
	assert_no_append(open64(lk, O_RDWR | O_APPEND));
	assert_no_append(openat(AT_FDCWD, lk, O_WRONLY | O_APPEND));
	assert_no_append(openat64(AT_FDCWD, lk, O_RDWR | O_APPEND | O_CREAT,
				  0644));
	assert_no_append(__open_2(lk, O_RDWR | O_APPEND));
	/* O_NONBLOCK stays */
	fd = open(lk, O_RDONLY | O_NONBLOCK | O_APPEND);
	assert_true(fd >= 0);
	assert_int_equal(fcntl(fd, F_GETFL) & (O_APPEND | O_NONBLOCK),
			 O_NONBLOCK);
	close(fd);
	f = fopen(lk, "a");
	assert_non_null(f);
	assert_int_equal(fcntl(fileno(f), F_GETFL) & O_APPEND, 0);
	fclose(f);
	f = fopen64(lk, "a+");
	assert_non_null(f);
	assert_int_equal(fcntl(fileno(f), F_GETFL) & O_APPEND, 0);
	fclose(f);
	/* failures are libc's */
	errno = 0;
	assert_int_equal(open("/nonexistent/x", O_RDONLY | O_APPEND), -1);
	assert_int_equal(errno, ENOENT);
}

/* ---- mmap: ENODEV (A5) ---- */
static void test_mmap(void **state)
{
	long page = sysconf(_SC_PAGESIZE);
	int fd, wfd;
	char *anon;

	(void)state;
	NEED_MOUNT();
	fd = open(lk, O_RDWR);
	assert_true(fd >= 0);
	assert_ptr_equal(mmap(NULL, (size_t)page, PROT_READ, MAP_PRIVATE, fd, 0),
			 MAP_FAILED);
	assert_int_equal(errno, ENODEV);
	assert_ptr_equal(mmap(NULL, (size_t)page, PROT_READ, MAP_SHARED, fd, 0),
			 MAP_FAILED);
	assert_int_equal(errno, ENODEV);
	assert_ptr_equal(mmap64(NULL, (size_t)page, PROT_READ, MAP_PRIVATE, fd,
				0), MAP_FAILED);
	assert_int_equal(errno, ENODEV);
	/* MAP_FIXED: refused without replacing what is mapped there */
	anon = mmap(NULL, (size_t)page, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_ptr_not_equal(anon, MAP_FAILED);
	anon[0] = 'k';
	assert_ptr_equal(mmap(anon, (size_t)page, PROT_READ,
			      MAP_PRIVATE | MAP_FIXED, fd, 0), MAP_FAILED);
	assert_int_equal(errno, ENODEV);
	assert_int_equal(anon[0], 'k');
	munmap(anon, (size_t)page);
	/* the VFS's own checks come first: a write-only fd is EACCES */
	wfd = open(lk, O_WRONLY);
	assert_true(wfd >= 0);
	assert_ptr_equal(mmap(NULL, (size_t)page, PROT_READ, MAP_PRIVATE, wfd,
			      0), MAP_FAILED);
	assert_int_equal(errno, EACCES);
	close(wfd);
	close(fd);
}

/* ---- write: 0 bytes at >= 64 is ENOSPC (V2) ---- */
static void test_write_zero(void **state)
{
	int fd, rfd;

	(void)state;
	NEED_MOUNT();
	fd = open(lk, O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal(lseek(fd, 100, SEEK_SET), 100);
	assert_int_equal(write(fd, "", 0), -1);
	assert_int_equal(errno, ENOSPC);
	assert_int_equal(lseek(fd, 64, SEEK_SET), 64);
	assert_int_equal(write(fd, "", 0), -1);
	assert_int_equal(errno, ENOSPC);
	assert_int_equal(lseek(fd, 5, SEEK_SET), 5);
	assert_int_equal(write(fd, "", 0), 0);
	assert_int_equal(pwrite(fd, "", 0, 64), -1);
	assert_int_equal(errno, ENOSPC);
	assert_int_equal(pwrite64(fd, "", 0, 1000), -1);
	assert_int_equal(errno, ENOSPC);
	assert_int_equal(pwrite(fd, "", 0, 63), 0);
	assert_int_equal(pwrite(fd, "", 0, -1), -1);	/* the VFS: EINVAL */
	assert_int_equal(errno, EINVAL);
	/* the non-zero writes are the daemon's: ENOSPC past 64 already */
	assert_int_equal(pwrite(fd, "q", 1, 64), -1);
	assert_int_equal(errno, ENOSPC);
	errno = EILSEQ;
	assert_int_equal(pwrite(fd, "q", 1, 0), 1);
	assert_int_equal(errno, EILSEQ);
	close(fd);
	/* EBADF before ENOSPC, as in the kernel */
	rfd = open(lk, O_RDONLY);
	assert_true(rfd >= 0);
	assert_int_equal(lseek(rfd, 100, SEEK_SET), 100);
	assert_int_equal(write(rfd, "", 0), -1);
	assert_int_equal(errno, EBADF);
	close(rfd);
}

/* ---- the capabilities file (C1) ---- */
static void test_caps(void **state)
{
	char buf[64] = "";
	FILE *f;
	int fd;

	(void)state;
	NEED_MOUNT();
	if (!access(COMPAT_CAPS_PATH, F_OK)) {
		print_message("skip: ocfs2_dlmfs is loaded here; its own "
			      "capabilities file answers\n");
		skip();
	}
	fd = open(COMPAT_CAPS_PATH, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(read(fd, buf, sizeof(buf)), 14);
	assert_memory_equal(buf, "bast stackglue", 14);
	assert_int_equal(read(fd, buf, sizeof(buf)), 0);
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	close(fd);
	f = fopen(COMPAT_CAPS_PATH, "re");
	assert_non_null(f);
	assert_non_null(fgets(buf, sizeof(buf), f));
	assert_string_equal(buf, "bast stackglue");
	fclose(f);
	/* only read-only opens are answered */
	assert_int_equal(open(COMPAT_CAPS_PATH, O_WRONLY), -1);
	assert_int_equal(errno, ENOENT);
	assert_null(fopen(COMPAT_CAPS_PATH, "r+"));
	assert_int_equal(errno, ENOENT);
}

/* ---- other file systems are untouched ---- */
static void test_untouched(void **state)
{
	const char *paths[] = { "/dev/shm", "/tmp" };
	long page = sysconf(_SC_PAGESIZE);
	char p[128];
	struct statfs sf;
	void *m;
	int fd;

	(void)state;
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		assert_int_equal(statfs(paths[i], &sf), 0);
		assert_int_equal((uint32_t)sf.f_type, raw_magic(paths[i]));
	}
	if (why_skip) {
		print_message("skip: %s (statfs checked)\n", why_skip);
		skip();
	}
	assert_int_equal(raw_magic(shm), TMPFS_MAGIC);
	snprintf(p, sizeof(p), "%s/f", shm);
	fd = open(p, O_RDWR | O_CREAT | O_APPEND, 0644);
	assert_true(fd >= 0);
	assert_true(fcntl(fd, F_GETFL) & O_APPEND);
	assert_int_equal(write(fd, "x", 1), 1);
	assert_int_equal(lseek(fd, 100, SEEK_SET), 100);
	assert_int_equal(write(fd, "", 0), 0);
	assert_int_equal(pwrite(fd, "", 0, 100), 0);
	m = mmap(NULL, (size_t)page, PROT_READ, MAP_PRIVATE, fd, 0);
	assert_ptr_not_equal(m, MAP_FAILED);
	assert_int_equal(((char *)m)[0], 'x');
	munmap(m, (size_t)page);
	close(fd);
}

/* ---- a cold cache from many threads ---- */
static void *hammer(void *arg)
{
	struct statfs sf;
	long bad = 0;

	(void)arg;
	for (int i = 0; i < 200; i++) {
		bad += statfs(n2, &sf) || (uint32_t)sf.f_type != COMPAT_DLMFS_MAGIC;
		bad += statfs("/dev/shm", &sf) || (uint32_t)sf.f_type != TMPFS_MAGIC;
	}
	return (void *)bad;
}

static void test_threads(void **state)
{
	pthread_t t[8];
	void *bad;

	(void)state;
	NEED_MOUNT();
	for (int i = 0; i < 8; i++)
		assert_int_equal(pthread_create(&t[i], NULL, hammer, NULL), 0);
	for (int i = 0; i < 8; i++) {
		assert_int_equal(pthread_join(t[i], &bad), 0);
		assert_null(bad);
	}
}

/* ---- run under the library ---- */
static bool preloaded(void)
{
	Dl_info di;
	void *p = dlsym(RTLD_DEFAULT, "mmap");

	return p && dladdr(p, &di) && di.dli_fname &&
	       strstr(di.dli_fname, "libdlmfs-compat");
}

static void find_files(void)
{
	char self[PATH_MAX], *s;
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	self[n > 0 ? n : 0] = '\0';
	s = strrchr(self, '/');
	if (s)
		*s = '\0';
	snprintf(so, sizeof(so), "%s/../libdlmfs-compat.so", self);
	snprintf(fuse, sizeof(fuse), "%s/../dlmfs-fuse", self);
	if (getenv("DLMFS_COMPAT_SO"))
		snprintf(so, sizeof(so), "%s", getenv("DLMFS_COMPAT_SO"));
	if (getenv("DLMFS_FUSE"))
		snprintf(fuse, sizeof(fuse), "%s", getenv("DLMFS_FUSE"));
}

static int reexec(char **argv)
{
	char *old = getenv("LD_PRELOAD"), *asan = getenv("ASAN_OPTIONS"), *v;

	if (getenv(MARK)) {
		fprintf(stderr, "test_compat: %s is in LD_PRELOAD but not "
			"interposing\n", so);
		return 1;
	}
	if (access(so, R_OK)) {
		fprintf(stderr, "test_compat: %s: %s (make it first)\n", so,
			strerror(errno));
		return 1;
	}
	if (asprintf(&v, "%s%s%s", so, old ? " " : "", old ? old : "") < 0)
		return 1;
	setenv("LD_PRELOAD", v, 1);
	setenv(MARK, "1", 1);
	/* an ASan build: the runtime cannot come first any more */
	if (asprintf(&v, "%s%sverify_asan_link_order=0", asan ? asan : "",
		     asan ? ":" : "") >= 0)
		setenv("ASAN_OPTIONS", v, 1);
	execv("/proc/self/exe", argv);
	perror("test_compat: exec");
	return 1;
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_untouched),
		cmocka_unit_test_setup_teardown(test_statfs, setup_lock,
						teardown_lock),
		cmocka_unit_test_setup_teardown(test_open_append, setup_lock,
						teardown_lock),
		cmocka_unit_test_setup_teardown(test_mmap, setup_lock,
						teardown_lock),
		cmocka_unit_test_setup_teardown(test_write_zero, setup_lock,
						teardown_lock),
		cmocka_unit_test(test_caps),
		cmocka_unit_test(test_threads),
	};

	(void)argc;
	find_files();
	if (!preloaded())
		return reexec(argv);
	if (access("/dev/fuse", R_OK | W_OK))
		why_skip = "/dev/fuse is missing or not usable";
	else if (system("command -v fusermount3 >/dev/null 2>&1"))
		why_skip = "fusermount3 is missing";
	if (why_skip)
		print_message("test_compat: %s: the tests needing a mount "
			      "are skipped\n", why_skip);
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
