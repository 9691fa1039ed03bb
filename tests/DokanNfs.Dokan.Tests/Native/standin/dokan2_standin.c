/*
 * A stand-in for dokan2.dll, built by the tests as a Linux shared library (libdokan2.so), so the adapter's
 * real interop path — source-generated imports, [UnmanagedCallersOnly] trampolines, struct layouts, UTF-16
 * names, buffers — runs end to end without Windows. Written from dokan.h / dokan.c (Dokan 2.x) as documents:
 * the same exports and the same x64 struct layouts in fixed-width types. It keeps what DokanCreateFileSystem
 * is given and calls DOKAN_OPERATIONS through its function pointers the way the library's dispatch does;
 * the standin_* exports let a test play the driver (one request each) and read what the library was asked.
 * Not a model of the driver: no I/O manager, no caching, no oplocks.
 */
#include <assert.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <uchar.h>

#define EXPORT __attribute__((visibility("default")))

#define MAX_PATH_CHARS 260
#define UNC_NAME_CHARS 64
#define MOUNT_POINT_LIST_NAME_CHARS 64

/* DokanMainResult (dokan.h) */
#define DOKAN_SUCCESS 0
#define DOKAN_ERROR (-1)
#define DOKAN_MOUNT_ERROR (-5)
#define DOKAN_MOUNT_POINT_ERROR (-6)
#define DOKAN_VERSION_ERROR (-7)
#define DOKAN_MINIMUM_COMPATIBLE_VERSION 200
#define DOKAN_OPTION_NETWORK (1u << 4)

/* ntstatus.h values the stand-in itself answers */
#define STATUS_OBJECT_NAME_COLLISION ((int32_t)0xC0000035)
#define FILE_DIRECTORY_FILE 0x00000001u
#define FILE_SUPERSEDE 0u
#define FILE_OPEN_IF 3u
#define FILE_OVERWRITE_IF 5u

/* winioctl.h device types reported in DOKAN_MOUNT_POINT_INFO.Type */
#define FILE_DEVICE_DISK_FILE_SYSTEM 0x00000008u
#define FILE_DEVICE_NETWORK_FILE_SYSTEM 0x00000014u

typedef struct {
  uint16_t Version;
  uint8_t SingleThread;
  uint32_t Options;
  uint64_t GlobalContext;
  const char16_t *MountPoint;
  const char16_t *UNCName;
  uint32_t Timeout;
  uint32_t AllocationUnitSize;
  uint32_t SectorSize;
  uint32_t VolumeSecurityDescriptorLength;
  char VolumeSecurityDescriptor[16 * 1024];
} DOKAN_OPTIONS;

typedef struct {
  uint64_t Context;
  uint64_t DokanContext;
  DOKAN_OPTIONS *DokanOptions;
  void *ProcessingContext;
  uint32_t ProcessId;
  uint8_t IsDirectory;
  uint8_t DeletePending;
  uint8_t PagingIo;
  uint8_t SynchronousIo;
  uint8_t Nocache;
  uint8_t WriteToEndOfFile;
} DOKAN_FILE_INFO;

typedef struct {
  uint32_t dwLowDateTime;
  uint32_t dwHighDateTime;
} FILETIME;

typedef struct {
  uint32_t dwFileAttributes;
  FILETIME ftCreationTime;
  FILETIME ftLastAccessTime;
  FILETIME ftLastWriteTime;
  uint32_t nFileSizeHigh;
  uint32_t nFileSizeLow;
  uint32_t dwReserved0;
  uint32_t dwReserved1;
  char16_t cFileName[MAX_PATH_CHARS];
  char16_t cAlternateFileName[14];
} WIN32_FIND_DATAW;

typedef struct {
  uint32_t dwFileAttributes;
  FILETIME ftCreationTime;
  FILETIME ftLastAccessTime;
  FILETIME ftLastWriteTime;
  uint32_t dwVolumeSerialNumber;
  uint32_t nFileSizeHigh;
  uint32_t nFileSizeLow;
  uint32_t nNumberOfLinks;
  uint32_t nFileIndexHigh;
  uint32_t nFileIndexLow;
} BY_HANDLE_FILE_INFORMATION;

typedef struct {
  int64_t StreamSize;
  char16_t cStreamName[MAX_PATH_CHARS + 36];
} WIN32_FIND_STREAM_DATA;

typedef struct {
  uint32_t Type;
  char16_t MountPoint[MAX_PATH_CHARS];
  char16_t UNCName[MOUNT_POINT_LIST_NAME_CHARS];
  char16_t DeviceName[MOUNT_POINT_LIST_NAME_CHARS];
  uint32_t SessionId;
  uint32_t MountOptions;
} DOKAN_MOUNT_POINT_INFO;

typedef int32_t NTSTATUS;
typedef int32_t (*PFillFindData)(WIN32_FIND_DATAW *, DOKAN_FILE_INFO *);
typedef int32_t (*PFillFindStreamData)(WIN32_FIND_STREAM_DATA *, void *);

/* dokan.h DOKAN_OPERATIONS: 25 callbacks in header order. */
typedef struct {
  NTSTATUS (*ZwCreateFile)(const char16_t *, void *, uint32_t, uint32_t, uint32_t, uint32_t, uint32_t, DOKAN_FILE_INFO *);
  void (*Cleanup)(const char16_t *, DOKAN_FILE_INFO *);
  void (*CloseFile)(const char16_t *, DOKAN_FILE_INFO *);
  NTSTATUS (*ReadFile)(const char16_t *, void *, uint32_t, uint32_t *, int64_t, DOKAN_FILE_INFO *);
  NTSTATUS (*WriteFile)(const char16_t *, const void *, uint32_t, uint32_t *, int64_t, DOKAN_FILE_INFO *);
  NTSTATUS (*FlushFileBuffers)(const char16_t *, DOKAN_FILE_INFO *);
  NTSTATUS (*GetFileInformation)(const char16_t *, BY_HANDLE_FILE_INFORMATION *, DOKAN_FILE_INFO *);
  NTSTATUS (*FindFiles)(const char16_t *, PFillFindData, DOKAN_FILE_INFO *);
  NTSTATUS (*FindFilesWithPattern)(const char16_t *, const char16_t *, PFillFindData, DOKAN_FILE_INFO *);
  NTSTATUS (*SetFileAttributes)(const char16_t *, uint32_t, DOKAN_FILE_INFO *);
  NTSTATUS (*SetFileTime)(const char16_t *, const FILETIME *, const FILETIME *, const FILETIME *, DOKAN_FILE_INFO *);
  NTSTATUS (*DeleteFile)(const char16_t *, DOKAN_FILE_INFO *);
  NTSTATUS (*DeleteDirectory)(const char16_t *, DOKAN_FILE_INFO *);
  NTSTATUS (*MoveFile)(const char16_t *, const char16_t *, int32_t, DOKAN_FILE_INFO *);
  NTSTATUS (*SetEndOfFile)(const char16_t *, int64_t, DOKAN_FILE_INFO *);
  NTSTATUS (*SetAllocationSize)(const char16_t *, int64_t, DOKAN_FILE_INFO *);
  NTSTATUS (*LockFile)(const char16_t *, int64_t, int64_t, DOKAN_FILE_INFO *);
  NTSTATUS (*UnlockFile)(const char16_t *, int64_t, int64_t, DOKAN_FILE_INFO *);
  NTSTATUS (*GetDiskFreeSpace)(uint64_t *, uint64_t *, uint64_t *, DOKAN_FILE_INFO *);
  NTSTATUS (*GetVolumeInformation)(char16_t *, uint32_t, uint32_t *, uint32_t *, uint32_t *, char16_t *, uint32_t, DOKAN_FILE_INFO *);
  NTSTATUS (*Mounted)(const char16_t *, DOKAN_FILE_INFO *);
  NTSTATUS (*Unmounted)(DOKAN_FILE_INFO *);
  NTSTATUS (*GetFileSecurity)(const char16_t *, uint32_t *, void *, uint32_t, uint32_t *, DOKAN_FILE_INFO *);
  NTSTATUS (*SetFileSecurity)(const char16_t *, uint32_t *, void *, uint32_t, DOKAN_FILE_INFO *);
  NTSTATUS (*FindStreams)(const char16_t *, PFillFindStreamData, void *, DOKAN_FILE_INFO *);
} DOKAN_OPERATIONS;

#if defined(__x86_64__) || defined(__aarch64__)
static_assert(sizeof(DOKAN_OPTIONS) == 16432, "DOKAN_OPTIONS is 16432 bytes on x64");
static_assert(offsetof(DOKAN_OPTIONS, MountPoint) == 16, "DOKAN_OPTIONS.MountPoint at 16");
static_assert(offsetof(DOKAN_OPTIONS, Timeout) == 32, "DOKAN_OPTIONS.Timeout at 32");
static_assert(offsetof(DOKAN_OPTIONS, VolumeSecurityDescriptor) == 48, "DOKAN_OPTIONS.VolumeSecurityDescriptor at 48");
static_assert(sizeof(DOKAN_FILE_INFO) == 48, "DOKAN_FILE_INFO is 48 bytes on x64");
static_assert(offsetof(DOKAN_FILE_INFO, ProcessId) == 32, "DOKAN_FILE_INFO.ProcessId at 32");
static_assert(sizeof(DOKAN_OPERATIONS) == 200, "DOKAN_OPERATIONS is 25 pointers");
static_assert(sizeof(WIN32_FIND_DATAW) == 592, "WIN32_FIND_DATAW is 592 bytes");
static_assert(offsetof(WIN32_FIND_DATAW, cFileName) == 44, "WIN32_FIND_DATAW.cFileName at 44");
static_assert(sizeof(BY_HANDLE_FILE_INFORMATION) == 52, "BY_HANDLE_FILE_INFORMATION is 52 bytes");
static_assert(sizeof(WIN32_FIND_STREAM_DATA) == 600, "WIN32_FIND_STREAM_DATA is 600 bytes");
static_assert(sizeof(DOKAN_MOUNT_POINT_INFO) == 788, "DOKAN_MOUNT_POINT_INFO is 788 bytes");
#endif

/* ---- UTF-16 helpers ---- */

static size_t c16len(const char16_t *s) {
  size_t n = 0;
  while (s && s[n]) n++;
  return n;
}

static int c16eq(const char16_t *a, const char16_t *b) {
  size_t n = c16len(a);
  return n == c16len(b) && memcmp(a, b, n * sizeof(char16_t)) == 0;
}

/* Copies at most cap-1 characters and terminates; returns 0 when src did not fit (like wcscpy_s failing). */
static int c16copy(char16_t *dst, size_t cap, const char16_t *src) {
  size_t n = c16len(src);
  if (n >= cap) return 0;
  memcpy(dst, src, n * sizeof(char16_t));
  dst[n] = 0;
  return 1;
}

/* ---- the log a test reads: one UTF-16 line per event, fields separated by tabs ---- */

#define LOG_CAPACITY 8192
static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static char16_t *g_log[LOG_CAPACITY];
static uint32_t g_log_count;

static void append_ascii(char16_t *line, size_t *at, size_t cap, const char *s) {
  for (; *s && *at + 1 < cap; s++) line[(*at)++] = (char16_t)(unsigned char)*s;
}

static void append_u16(char16_t *line, size_t *at, size_t cap, const char16_t *s) {
  for (; s && *s && *at + 1 < cap; s++) line[(*at)++] = *s;
}

static void append_u64(char16_t *line, size_t *at, size_t cap, uint64_t v) {
  char digits[24];
  int n = 0;
  do { digits[n++] = (char)('0' + v % 10); v /= 10; } while (v);
  while (n && *at + 1 < cap) line[(*at)++] = (char16_t)digits[--n];
}

/* kind, then up to three UTF-16 fields, then one number; NULL fields are left out. */
static void log_event(const char *kind, const char16_t *a, const char16_t *b, const char16_t *c, uint64_t number) {
  size_t cap = 4 * MAX_PATH_CHARS + 64, at = 0;
  char16_t *line = calloc(cap, sizeof(char16_t));
  if (!line) return;
  append_ascii(line, &at, cap, kind);
  const char16_t *fields[3] = {a, b, c};
  for (int i = 0; i < 3; i++) {
    if (!fields[i]) continue;
    append_ascii(line, &at, cap, "\t");
    append_u16(line, &at, cap, fields[i]);
  }
  append_ascii(line, &at, cap, "\t");
  append_u64(line, &at, cap, number);
  line[at] = 0;
  pthread_mutex_lock(&g_lock);
  if (g_log_count < LOG_CAPACITY) {
    g_log[g_log_count++] = line;
    line = NULL;
  }
  pthread_mutex_unlock(&g_lock);
  free(line);
}

EXPORT uint32_t standin_log_count(void) {
  pthread_mutex_lock(&g_lock);
  uint32_t n = g_log_count;
  pthread_mutex_unlock(&g_lock);
  return n;
}

/* Copies line `index` into buffer (terminated); returns its length, or -1 when there is no such line. */
EXPORT int32_t standin_log_read(uint32_t index, char16_t *buffer, uint32_t capacity) {
  int32_t result = -1;
  pthread_mutex_lock(&g_lock);
  if (index < g_log_count && capacity > 0) {
    size_t n = c16len(g_log[index]);
    if (n >= capacity) n = capacity - 1;
    memcpy(buffer, g_log[index], n * sizeof(char16_t));
    buffer[n] = 0;
    result = (int32_t)n;
  }
  pthread_mutex_unlock(&g_lock);
  return result;
}

/* ---- library state: init count, versions, mounted instances ---- */

typedef struct Instance {
  struct Instance *next;
  DOKAN_OPTIONS *options;
  DOKAN_OPERATIONS *operations;
  char16_t mount_point[MAX_PATH_CHARS];
  char16_t unc_name[UNC_NAME_CHARS];
  int running;
  int unmounted_called;
} Instance;

typedef struct ForcedResult {
  struct ForcedResult *next;
  char16_t mount_point[MAX_PATH_CHARS];
  int32_t result;
} ForcedResult;

static Instance *g_instances;
static ForcedResult *g_forced;
static int32_t g_init_count;
static int32_t g_shutdown_calls;
static int32_t g_outstanding_lists;
static uint32_t g_library_version = 231;
static uint32_t g_driver_version = 0x200;
static uint64_t g_request_id;

EXPORT void standin_set_versions(uint32_t library, uint32_t driver) {
  g_library_version = library;
  g_driver_version = driver;
}

EXPORT int32_t standin_init_count(void) { return __atomic_load_n(&g_init_count, __ATOMIC_SEQ_CST); }
EXPORT int32_t standin_shutdown_calls(void) { return __atomic_load_n(&g_shutdown_calls, __ATOMIC_SEQ_CST); }
EXPORT int32_t standin_outstanding_mount_point_lists(void) { return __atomic_load_n(&g_outstanding_lists, __ATOMIC_SEQ_CST); }

/* DokanCreateFileSystem for this mount point answers `result` instead of mounting (0 clears). */
EXPORT void standin_set_create_result(const char16_t *mount_point, int32_t result) {
  ForcedResult *f = calloc(1, sizeof *f);
  if (!f || !c16copy(f->mount_point, MAX_PATH_CHARS, mount_point)) { free(f); return; }
  f->result = result;
  pthread_mutex_lock(&g_lock);
  f->next = g_forced;
  g_forced = f;
  pthread_mutex_unlock(&g_lock);
}

EXPORT void DokanInit(void) {
  __atomic_add_fetch(&g_init_count, 1, __ATOMIC_SEQ_CST);
}

EXPORT void DokanShutdown(void) {
  __atomic_add_fetch(&g_shutdown_calls, 1, __ATOMIC_SEQ_CST);
  __atomic_sub_fetch(&g_init_count, 1, __ATOMIC_SEQ_CST);
}

EXPORT uint32_t DokanVersion(void) { return g_library_version; }
EXPORT uint32_t DokanDriverVersion(void) { return g_driver_version; }

static Instance *find_running(const char16_t *mount_point) {
  for (Instance *i = g_instances; i; i = i->next)
    if (i->running && c16eq(i->mount_point, mount_point)) return i;
  return NULL;
}

static int is_drive_letter(const char16_t *mp) {
  size_t n = c16len(mp);
  return n == 1 || (n == 2 && mp[1] == u':') || (n == 3 && mp[1] == u':' && mp[2] == u'\\');
}

EXPORT int32_t DokanCreateFileSystem(DOKAN_OPTIONS *options, DOKAN_OPERATIONS *operations, void **handle) {
  if (handle) *handle = NULL;
  if (__atomic_load_n(&g_init_count, __ATOMIC_SEQ_CST) <= 0) {
    /* dokan.c raises DOKAN_EXCEPTION_NOT_INITIALIZED; a test wants a line, not a dead process. */
    log_event("not-initialized", options ? options->MountPoint : NULL, NULL, NULL, 0);
    return DOKAN_ERROR;
  }
  if (!options || !operations || !options->MountPoint) return DOKAN_MOUNT_POINT_ERROR;

  pthread_mutex_lock(&g_lock);
  int32_t forced = 0;
  for (ForcedResult *f = g_forced; f; f = f->next)
    if (c16eq(f->mount_point, options->MountPoint)) { forced = f->result; break; }
  int in_use = find_running(options->MountPoint) != NULL;
  pthread_mutex_unlock(&g_lock);

  if (forced != 0) return forced;
  /* The checks dokan.c makes before it talks to the driver. */
  if ((options->Options & DOKAN_OPTION_NETWORK) && !is_drive_letter(options->MountPoint))
    options->Options &= ~DOKAN_OPTION_NETWORK;
  if ((options->Options & DOKAN_OPTION_NETWORK) && options->UNCName == NULL) return DOKAN_MOUNT_POINT_ERROR;
  if (options->Version < DOKAN_MINIMUM_COMPATIBLE_VERSION) return DOKAN_VERSION_ERROR;
  if (in_use) return DOKAN_MOUNT_ERROR;

  Instance *instance = calloc(1, sizeof *instance);
  if (!instance) return DOKAN_ERROR;
  if (!c16copy(instance->mount_point, MAX_PATH_CHARS, options->MountPoint) ||
      (options->UNCName && !c16copy(instance->unc_name, UNC_NAME_CHARS, options->UNCName))) {
    free(instance);
    return DOKAN_MOUNT_POINT_ERROR;
  }
  instance->options = options;
  instance->operations = operations;
  instance->running = 1;

  pthread_mutex_lock(&g_lock);
  if (find_running(options->MountPoint)) {
    pthread_mutex_unlock(&g_lock);
    free(instance);
    return DOKAN_MOUNT_ERROR;
  }
  instance->next = g_instances;
  g_instances = instance;
  pthread_mutex_unlock(&g_lock);

  log_event("mounted", instance->mount_point, NULL, NULL, options->GlobalContext);
  if (operations->Mounted) {
    /* dokan.c: only DokanOptions is set, and the answer is ignored; logged here for the tests. */
    DOKAN_FILE_INFO info = {0};
    info.DokanOptions = options;
    NTSTATUS status = operations->Mounted(instance->mount_point, &info);
    log_event("mounted-answer", instance->mount_point, NULL, NULL, (uint32_t)status);
  }
  if (handle) *handle = instance;
  return DOKAN_SUCCESS;
}

static void unmount(Instance *instance) {
  int call = 0;
  pthread_mutex_lock(&g_lock);
  if (instance->running) {
    instance->running = 0;
    call = !instance->unmounted_called;
    instance->unmounted_called = 1;
  }
  pthread_mutex_unlock(&g_lock);
  if (call) {
    NTSTATUS status = 0;
    if (instance->operations->Unmounted) {
      DOKAN_FILE_INFO info = {0};
      info.DokanOptions = instance->options;
      status = instance->operations->Unmounted(&info);
    }
    log_event("unmounted", instance->mount_point, NULL, NULL, (uint32_t)status);
  }
}

EXPORT int32_t DokanIsFileSystemRunning(void *handle) {
  Instance *instance = handle;
  if (!instance) return 0;
  pthread_mutex_lock(&g_lock);
  int running = instance->running;
  pthread_mutex_unlock(&g_lock);
  return running;
}

/* WaitForSingleObject semantics without the wait: WAIT_OBJECT_0 when closed, else WAIT_TIMEOUT. */
EXPORT uint32_t DokanWaitForFileSystemClosed(void *handle, uint32_t milliseconds) {
  (void)milliseconds;
  return DokanIsFileSystemRunning(handle) ? 0x102u : 0u;
}

EXPORT int32_t DokanRemoveMountPoint(const char16_t *mount_point) {
  pthread_mutex_lock(&g_lock);
  Instance *instance = find_running(mount_point);
  pthread_mutex_unlock(&g_lock);
  log_event("remove-mount-point", mount_point, NULL, NULL, instance != NULL);
  if (!instance) return 0;
  unmount(instance);
  return 1;
}

EXPORT void DokanCloseHandle(void *handle) {
  Instance *instance = handle;
  if (!instance) return;
  log_event("close-handle", instance->mount_point, NULL, NULL, 0);
  unmount(instance);
  pthread_mutex_lock(&g_lock);
  for (Instance **p = &g_instances; *p; p = &(*p)->next)
    if (*p == instance) { *p = instance->next; break; }
  pthread_mutex_unlock(&g_lock);
  free(instance);
}

/* The driver names mount points in its own namespace; "\DosDevices\N:" for a drive letter. */
EXPORT DOKAN_MOUNT_POINT_INFO *DokanGetMountPointList(int32_t unc_only, uint32_t *count) {
  *count = 0;
  pthread_mutex_lock(&g_lock);
  uint32_t n = 0;
  for (Instance *i = g_instances; i; i = i->next) n += i->running;
  DOKAN_MOUNT_POINT_INFO *list = n ? calloc(n, sizeof *list) : NULL;
  uint32_t at = 0;
  for (Instance *i = g_instances; list && i; i = i->next) {
    if (!i->running) continue;
    DOKAN_MOUNT_POINT_INFO *e = &list[at++];
    /* dokan.c leaves entries that fail the UNC filter zeroed but still counted. */
    if (unc_only && i->unc_name[0] == 0) continue;
    size_t k = 0;
    if (is_drive_letter(i->mount_point)) {
      append_ascii(e->MountPoint, &k, MAX_PATH_CHARS, "\\DosDevices\\");
      e->MountPoint[k++] = i->mount_point[0];
      e->MountPoint[k++] = u':';
    } else {
      append_ascii(e->MountPoint, &k, MAX_PATH_CHARS, "\\??\\");
      append_u16(e->MountPoint, &k, MAX_PATH_CHARS, i->mount_point);
    }
    c16copy(e->UNCName, MOUNT_POINT_LIST_NAME_CHARS, i->unc_name);
    k = 0;
    append_ascii(e->DeviceName, &k, MOUNT_POINT_LIST_NAME_CHARS, "\\Device\\Volume{standin}");
    e->Type = (i->options->Options & DOKAN_OPTION_NETWORK) ? FILE_DEVICE_NETWORK_FILE_SYSTEM : FILE_DEVICE_DISK_FILE_SYSTEM;
    e->SessionId = 0xFFFFFFFFu;
    e->MountOptions = i->options->Options;
  }
  pthread_mutex_unlock(&g_lock);
  if (list) {
    *count = at;
    __atomic_add_fetch(&g_outstanding_lists, 1, __ATOMIC_SEQ_CST);
  }
  return list;
}

EXPORT void DokanReleaseMountPointList(DOKAN_MOUNT_POINT_INFO *list) {
  if (!list) return;
  __atomic_sub_fetch(&g_outstanding_lists, 1, __ATOMIC_SEQ_CST);
  free(list);
}

static const char16_t *mount_point_of(void *handle) {
  Instance *instance = handle;
  return instance ? instance->mount_point : u"?";
}

EXPORT int32_t DokanNotifyCreate(void *handle, const char16_t *path, int32_t is_directory) {
  log_event("notify-create", mount_point_of(handle), path, NULL, (uint64_t)is_directory);
  return 1;
}

EXPORT int32_t DokanNotifyDelete(void *handle, const char16_t *path, int32_t is_directory) {
  log_event("notify-delete", mount_point_of(handle), path, NULL, (uint64_t)is_directory);
  return 1;
}

EXPORT int32_t DokanNotifyUpdate(void *handle, const char16_t *path) {
  log_event("notify-update", mount_point_of(handle), path, NULL, 0);
  return 1;
}

EXPORT int32_t DokanNotifyRename(void *handle, const char16_t *old_path, const char16_t *new_path, int32_t is_directory,
                                 int32_t same_directory) {
  log_event("notify-rename", mount_point_of(handle), old_path, new_path, (uint64_t)(is_directory * 2 + same_directory));
  return 1;
}

/* Logged with the address of the DOKAN_FILE_INFO, so a test can check it is the one the callback got. */
EXPORT int32_t DokanResetTimeout(uint32_t timeout, DOKAN_FILE_INFO *info) {
  char16_t address[24];
  size_t k = 0;
  append_u64(address, &k, 24, (uint64_t)(uintptr_t)info);
  address[k] = 0;
  log_event("reset-timeout", address, NULL, NULL, timeout);
  return info != NULL;
}

/* No tokens off Windows: INVALID_HANDLE_VALUE, as dokan2 answers outside ZwCreateFile. */
EXPORT void *DokanOpenRequestorToken(DOKAN_FILE_INFO *info) {
  char16_t address[24];
  size_t k = 0;
  append_u64(address, &k, 24, (uint64_t)(uintptr_t)info);
  address[k] = 0;
  log_event("requestor-token", address, NULL, NULL, info ? info->ProcessId : 0);
  return (void *)(intptr_t)-1;
}

/* ---- playing the driver: one request per call, through the kept DOKAN_OPERATIONS ---- */

static Instance *running_instance(const char16_t *mount_point) {
  pthread_mutex_lock(&g_lock);
  Instance *instance = find_running(mount_point);
  pthread_mutex_unlock(&g_lock);
  return instance;
}

/* Each request gets a fresh DokanContext, as each IoEvent of the real library has its own. */
static void begin_request(DOKAN_FILE_INFO *info) {
  info->DokanContext = __atomic_add_fetch(&g_request_id, 1, __ATOMIC_SEQ_CST);
}

static DOKAN_OPERATIONS *ops_of(DOKAN_FILE_INFO *info) {
  Instance *instance = NULL;
  pthread_mutex_lock(&g_lock);
  for (Instance *i = g_instances; i; i = i->next)
    if (i->options == info->DokanOptions) { instance = i; break; }
  pthread_mutex_unlock(&g_lock);
  return instance ? instance->operations : NULL;
}

/*
 * ZwCreateFile on the volume at mount_point with a DOKAN_FILE_INFO the stand-in allocates (IsDirectory on entry
 * from FILE_DIRECTORY_FILE). *out is that DOKAN_FILE_INFO when the open exists afterwards — success, or a
 * collision that Dokan reports as "opened" — and NULL otherwise (no Cleanup or CloseFile follows a failed create).
 */
EXPORT NTSTATUS standin_create(const char16_t *mount_point, const char16_t *file_name, uint32_t desired_access,
                               uint32_t file_attributes, uint32_t share_access, uint32_t disposition,
                               uint32_t create_options, uint32_t process_id, DOKAN_FILE_INFO **out) {
  *out = NULL;
  Instance *instance = running_instance(mount_point);
  if (!instance) return (NTSTATUS)0xC000000E; /* STATUS_NO_SUCH_DEVICE */
  DOKAN_FILE_INFO *info = calloc(1, sizeof *info);
  if (!info) return (NTSTATUS)0xC000009A;
  info->DokanOptions = instance->options;
  info->ProcessId = process_id;
  info->IsDirectory = (create_options & FILE_DIRECTORY_FILE) ? 1 : 0;
  begin_request(info);
  NTSTATUS status = instance->operations->ZwCreateFile(file_name, NULL, desired_access, file_attributes, share_access,
                                                       disposition, create_options, info);
  int opened = status >= 0 || (status == STATUS_OBJECT_NAME_COLLISION &&
                               (disposition == FILE_OPEN_IF || disposition == FILE_OVERWRITE_IF || disposition == FILE_SUPERSEDE));
  if (opened) *out = info;
  else free(info);
  return status;
}

/* The same callbacks with a DOKAN_FILE_INFO whose DokanOptions carry a GlobalContext of the caller's choosing. */
EXPORT NTSTATUS standin_create_foreign(const char16_t *mount_point, const char16_t *file_name, uint64_t global_context) {
  Instance *instance = running_instance(mount_point);
  if (!instance) return (NTSTATUS)0xC000000E;
  DOKAN_OPTIONS *forged = calloc(1, sizeof *forged);
  if (!forged) return (NTSTATUS)0xC000009A;
  forged->GlobalContext = global_context;
  DOKAN_FILE_INFO info = {0};
  info.DokanOptions = forged;
  begin_request(&info);
  NTSTATUS status = instance->operations->ZwCreateFile(file_name, NULL, 0x80000000u, 0, 1, 1, 0, &info);
  instance->operations->Cleanup(file_name, &info);
  instance->operations->CloseFile(file_name, &info);
  uint8_t buffer[16];
  uint32_t read = 0;
  NTSTATUS read_status = instance->operations->ReadFile(file_name, buffer, sizeof buffer, &read, 0, &info);
  info.DokanOptions = NULL;
  NTSTATUS null_options = instance->operations->FlushFileBuffers(file_name, &info);
  NTSTATUS null_info = instance->operations->FlushFileBuffers(file_name, NULL);
  free(forged);
  /* All four must agree for the caller to see the common answer. */
  return (status == read_status && status == null_options && status == null_info) ? status : (NTSTATUS)0x7FFFFFFF;
}

/* ReadFile through the callback table with a volume whose GlobalContext nobody registered; for allocation checks. */
EXPORT NTSTATUS standin_read_foreign(const char16_t *mount_point, uint64_t global_context, void *buffer, uint32_t length) {
  Instance *instance = running_instance(mount_point);
  if (!instance) return (NTSTATUS)0xC000000E;
  DOKAN_OPTIONS *forged = calloc(1, sizeof *forged);
  if (!forged) return (NTSTATUS)0xC000009A;
  forged->GlobalContext = global_context;
  DOKAN_FILE_INFO info = {0};
  info.DokanOptions = forged;
  uint32_t read = 0;
  NTSTATUS status = instance->operations->ReadFile(u"\\x", buffer, length, &read, 0, &info);
  free(forged);
  return status;
}

/* Flags a request carries (EVENT_CONTEXT.FileFlags in the real library): PagingIo 1, SynchronousIo 2, Nocache 4,
   WriteToEndOfFile 8, DeletePending 16. They stay until set again. */
EXPORT void standin_set_flags(DOKAN_FILE_INFO *info, uint32_t flags) {
  info->PagingIo = (flags & 1) != 0;
  info->SynchronousIo = (flags & 2) != 0;
  info->Nocache = (flags & 4) != 0;
  info->WriteToEndOfFile = (flags & 8) != 0;
  info->DeletePending = (flags & 16) != 0;
}

EXPORT uint64_t standin_context(const DOKAN_FILE_INFO *info) { return info->Context; }
EXPORT int32_t standin_is_directory(const DOKAN_FILE_INFO *info) { return info->IsDirectory; }
EXPORT int32_t standin_delete_pending(const DOKAN_FILE_INFO *info) { return info->DeletePending; }

EXPORT void standin_cleanup(DOKAN_FILE_INFO *info, const char16_t *file_name) {
  DOKAN_OPERATIONS *ops = ops_of(info);
  begin_request(info);
  if (ops) ops->Cleanup(file_name, info);
}

/* CloseFile, then the DOKAN_FILE_INFO is gone. */
EXPORT void standin_close(DOKAN_FILE_INFO *info, const char16_t *file_name) {
  DOKAN_OPERATIONS *ops = ops_of(info);
  begin_request(info);
  if (ops) ops->CloseFile(file_name, info);
  free(info);
}

#define DISPATCH(call) \
  DOKAN_OPERATIONS *ops = ops_of(info); \
  if (!ops) return (NTSTATUS)0xC000000E; \
  begin_request(info); \
  return ops->call;

EXPORT NTSTATUS standin_read(DOKAN_FILE_INFO *info, const char16_t *file_name, void *buffer, uint32_t length,
                             uint32_t *read_length, int64_t offset) {
  *read_length = 0xDEADBEEFu; /* the callback must set it */
  DISPATCH(ReadFile(file_name, buffer, length, read_length, offset, info))
}

EXPORT NTSTATUS standin_write(DOKAN_FILE_INFO *info, const char16_t *file_name, const void *buffer, uint32_t length,
                              uint32_t *written, int64_t offset) {
  *written = 0xDEADBEEFu;
  DISPATCH(WriteFile(file_name, buffer, length, written, offset, info))
}

EXPORT NTSTATUS standin_flush(DOKAN_FILE_INFO *info, const char16_t *file_name) {
  DISPATCH(FlushFileBuffers(file_name, info))
}

EXPORT NTSTATUS standin_get_file_information(DOKAN_FILE_INFO *info, const char16_t *file_name, BY_HANDLE_FILE_INFORMATION *out) {
  memset(out, 0xA5, sizeof *out);
  DISPATCH(GetFileInformation(file_name, out, info))
}

/* What FillFindData fills: the array the test gave, up to its capacity; the next entry finds the buffer full. */
typedef struct {
  WIN32_FIND_DATAW *entries;
  uint32_t capacity;
  uint32_t count;
  uint32_t refused;
} FindState;

/* dokan.h PFillFindData: 1 when the buffer is full, otherwise 0. The state travels in ProcessingContext, as in
   Dokan 2.x's DokanFillFileData. */
static int32_t fill_find_data(WIN32_FIND_DATAW *data, DOKAN_FILE_INFO *info) {
  FindState *state = info->ProcessingContext;
  if (state->count >= state->capacity) {
    state->refused++;
    return 1;
  }
  state->entries[state->count++] = *data;
  return 0;
}

/* FindFilesWithPattern when pattern is not NULL, FindFiles otherwise. *refused counts entries offered after full. */
EXPORT NTSTATUS standin_find_files(DOKAN_FILE_INFO *info, const char16_t *file_name, const char16_t *pattern,
                                   WIN32_FIND_DATAW *entries, uint32_t capacity, uint32_t *count, uint32_t *refused) {
  DOKAN_OPERATIONS *ops = ops_of(info);
  if (!ops) return (NTSTATUS)0xC000000E;
  FindState state = {entries, capacity, 0, 0};
  begin_request(info);
  info->ProcessingContext = &state;
  NTSTATUS status = pattern ? ops->FindFilesWithPattern(file_name, pattern, fill_find_data, info)
                            : ops->FindFiles(file_name, fill_find_data, info);
  info->ProcessingContext = NULL;
  *count = state.count;
  *refused = state.refused;
  return status;
}

/* dokan.h PFillFindStreamData (2.x): FALSE when the buffer is full, otherwise TRUE; context is FindStreamContext. */
static int32_t fill_find_stream_data(WIN32_FIND_STREAM_DATA *data, void *context) {
  FindState *state = context;
  if (state->count >= state->capacity) {
    state->refused++;
    return 0;
  }
  ((WIN32_FIND_STREAM_DATA *)(void *)state->entries)[state->count++] = *data;
  return 1;
}

EXPORT NTSTATUS standin_find_streams(DOKAN_FILE_INFO *info, const char16_t *file_name, WIN32_FIND_STREAM_DATA *entries,
                                     uint32_t capacity, uint32_t *count) {
  DOKAN_OPERATIONS *ops = ops_of(info);
  if (!ops) return (NTSTATUS)0xC000000E;
  FindState state = {(WIN32_FIND_DATAW *)(void *)entries, capacity, 0, 0};
  begin_request(info);
  NTSTATUS status = ops->FindStreams(file_name, fill_find_stream_data, &state, info);
  *count = state.count;
  return status;
}

EXPORT NTSTATUS standin_set_file_attributes(DOKAN_FILE_INFO *info, const char16_t *file_name, uint32_t attributes) {
  DISPATCH(SetFileAttributes(file_name, attributes, info))
}

/* A NULL pointer for a time the caller passes as NULL. */
EXPORT NTSTATUS standin_set_file_time(DOKAN_FILE_INFO *info, const char16_t *file_name, const FILETIME *creation,
                                      const FILETIME *last_access, const FILETIME *last_write) {
  DISPATCH(SetFileTime(file_name, creation, last_access, last_write, info))
}

/* FileDispositionInformation: DeletePending set, then DeleteFile or DeleteDirectory by IsDirectory; cleared on refusal. */
EXPORT NTSTATUS standin_delete(DOKAN_FILE_INFO *info, const char16_t *file_name) {
  DOKAN_OPERATIONS *ops = ops_of(info);
  if (!ops) return (NTSTATUS)0xC000000E;
  begin_request(info);
  info->DeletePending = 1;
  NTSTATUS status = info->IsDirectory ? ops->DeleteDirectory(file_name, info) : ops->DeleteFile(file_name, info);
  if (status < 0) info->DeletePending = 0;
  return status;
}

EXPORT NTSTATUS standin_move(DOKAN_FILE_INFO *info, const char16_t *file_name, const char16_t *new_name, int32_t replace) {
  DISPATCH(MoveFile(file_name, new_name, replace, info))
}

EXPORT NTSTATUS standin_set_end_of_file(DOKAN_FILE_INFO *info, const char16_t *file_name, int64_t length) {
  DISPATCH(SetEndOfFile(file_name, length, info))
}

EXPORT NTSTATUS standin_set_allocation_size(DOKAN_FILE_INFO *info, const char16_t *file_name, int64_t length) {
  DISPATCH(SetAllocationSize(file_name, length, info))
}

EXPORT NTSTATUS standin_lock(DOKAN_FILE_INFO *info, const char16_t *file_name, int64_t offset, int64_t length) {
  DISPATCH(LockFile(file_name, offset, length, info))
}

EXPORT NTSTATUS standin_unlock(DOKAN_FILE_INFO *info, const char16_t *file_name, int64_t offset, int64_t length) {
  DISPATCH(UnlockFile(file_name, offset, length, info))
}

EXPORT NTSTATUS standin_get_disk_free_space(DOKAN_FILE_INFO *info, uint64_t *available, uint64_t *total, uint64_t *free_bytes) {
  *available = *total = *free_bytes = 0xA5A5A5A5A5A5A5A5ull;
  DISPATCH(GetDiskFreeSpace(available, total, free_bytes, info))
}

/* Buffers of MAX_PATH characters each, as dokan's volume.c passes them. */
EXPORT NTSTATUS standin_get_volume_information(DOKAN_FILE_INFO *info, char16_t *volume_name, uint32_t *serial,
                                               uint32_t *max_component, uint32_t *flags, char16_t *file_system_name) {
  memset(volume_name, 0, MAX_PATH_CHARS * sizeof(char16_t));
  memset(file_system_name, 0, MAX_PATH_CHARS * sizeof(char16_t));
  DISPATCH(GetVolumeInformation(volume_name, MAX_PATH_CHARS, serial, max_component, flags, file_system_name, MAX_PATH_CHARS, info))
}

EXPORT NTSTATUS standin_get_file_security(DOKAN_FILE_INFO *info, const char16_t *file_name, uint32_t security_information,
                                          void *descriptor, uint32_t length, uint32_t *length_needed) {
  uint32_t requested = security_information;
  *length_needed = 0;
  DISPATCH(GetFileSecurity(file_name, &requested, descriptor, length, length_needed, info))
}

EXPORT NTSTATUS standin_set_file_security(DOKAN_FILE_INFO *info, const char16_t *file_name, uint32_t security_information,
                                          void *descriptor, uint32_t length) {
  uint32_t requested = security_information;
  DISPATCH(SetFileSecurity(file_name, &requested, descriptor, length, info))
}

/* The DOKAN_FILE_INFO address, as DokanResetTimeout logs it. */
EXPORT uint64_t standin_address(const DOKAN_FILE_INFO *info) { return (uint64_t)(uintptr_t)info; }
